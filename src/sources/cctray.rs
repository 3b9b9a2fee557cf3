use crate::config::CctrayConfig;
use crate::model::Snapshot;
use crate::sources::SourceError;

pub struct CctraySource {
    config: CctrayConfig,
    client: reqwest::Client,
}

impl CctraySource {
    pub fn new(config: CctrayConfig, client: reqwest::Client) -> CctraySource {
        CctraySource { config, client }
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let _ = (&self.config, &self.client);
        Err(SourceError::new("cctray: not yet available"))
    }
}
