//! Start-up configuration from the environment: the bot token and the database path. Full
//! configuration (files, limits, staff) comes with the production-operation issue.

use std::path::PathBuf;

/// The environment variable holding the bot token (teloxide's convention).
pub const TOKEN_VAR: &str = "TELOXIDE_TOKEN";
/// The environment variable holding the database directory.
pub const DB_VAR: &str = "SHOPBOT_DB";
/// The database directory when `SHOPBOT_DB` is not set.
pub const DB_DEFAULT: &str = "./shop.db";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartupConfig {
    pub token: String,
    pub db_path: PathBuf,
}

/// Why the bot can't start. The messages are for the operator starting it (English, on the
/// terminal), not for shoppers.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{TOKEN_VAR} is not set. Get a bot token by talking to @BotFather on Telegram \
         (send /newbot), then start the bot with {TOKEN_VAR}=<token>."
    )]
    MissingToken,
}

impl StartupConfig {
    /// Reads the configuration through `var` (the process environment in `main`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<StartupConfig, ConfigError> {
        let token = var(TOKEN_VAR)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or(ConfigError::MissingToken)?;
        let db_path = var(DB_VAR)
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| DB_DEFAULT.to_owned())
            .into();
        Ok(StartupConfig { token, db_path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_token_says_how_to_get_one() {
        let err = StartupConfig::from_vars(|_| None).unwrap_err();
        assert_eq!(err, ConfigError::MissingToken);
        assert!(err.to_string().contains("@BotFather"));
        let blank = StartupConfig::from_vars(|k| (k == TOKEN_VAR).then(|| "  ".to_owned()));
        assert_eq!(blank.unwrap_err(), ConfigError::MissingToken);
    }

    #[test]
    fn database_path_defaults() {
        let config =
            StartupConfig::from_vars(|k| (k == TOKEN_VAR).then(|| "123:abc".to_owned())).unwrap();
        assert_eq!(config.db_path, PathBuf::from(DB_DEFAULT));
        let config = StartupConfig::from_vars(|k| match k {
            TOKEN_VAR => Some("123:abc".into()),
            DB_VAR => Some("/var/lib/shop".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.db_path, PathBuf::from("/var/lib/shop"));
        assert_eq!(config.token, "123:abc");
    }
}
