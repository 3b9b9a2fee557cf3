use crate::config::ExpositionConfig;
use crate::model::Snapshot;
use crate::sources::SourceError;

pub struct ExpositionSource {
    config: ExpositionConfig,
    client: reqwest::Client,
}

impl ExpositionSource {
    pub fn new(config: ExpositionConfig, client: reqwest::Client) -> ExpositionSource {
        ExpositionSource { config, client }
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let _ = (&self.config, &self.client);
        Err(SourceError::new("exposition: not yet available"))
    }
}
