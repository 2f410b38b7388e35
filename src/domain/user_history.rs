//! What an operator reads of one user (`GET /API/manager/user/<userid>`, deskplane's own
//! route, behind `deskplane admin users show`): their logins and their desktops' events,
//! newest last, from the history ports.

use crate::domain::history::{DesktopEvent, LoginRecord};
use crate::domain::identity::UserId;
use crate::ports::StoreError;
use crate::ports::history::{DesktopHistory, LoginHistory};
use serde::Serialize;
use std::sync::Arc;

/// Most records of each kind one answer holds (`limit` may ask for fewer).
pub const MAX_RECORDS: usize = 10_000;

/// One user's history.
#[derive(Debug, Serialize)]
pub struct UserRecords {
    /// The user id asked for.
    pub userid: String,
    /// Their last logins, oldest first.
    pub logins: Vec<LoginRecord>,
    /// Their desktops' last events, oldest first.
    pub desktops: Vec<DesktopEvent>,
}

/// Reads users' histories.
pub struct UserHistory {
    logins: Arc<dyn LoginHistory>,
    desktops: Arc<dyn DesktopHistory>,
}

impl UserHistory {
    /// Over the two history ports.
    pub fn new(logins: Arc<dyn LoginHistory>, desktops: Arc<dyn DesktopHistory>) -> Self {
        Self { logins, desktops }
    }

    /// The last `limit` logins and desktop events of `userid`, only `provider`'s when one
    /// is named (one user id may belong to users of several providers).
    ///
    /// # Errors
    /// The history stores' [`StoreError`].
    pub async fn of(&self, userid: &UserId, provider: Option<&str>, limit: usize) -> Result<UserRecords, StoreError> {
        let (logins, desktops) = futures::try_join!(self.logins.list_for(userid), self.desktops.list_for(userid))?;
        let mine = |record_provider: &str| provider.is_none_or(|wanted| wanted == record_provider);
        Ok(UserRecords {
            userid: userid.as_str().to_owned(),
            logins: last(logins.into_iter().filter(|l| mine(&l.provider)).collect(), limit),
            desktops: last(desktops.into_iter().filter(|d| mine(&d.provider)).collect(), limit),
        })
    }
}

fn last<T>(mut records: Vec<T>, limit: usize) -> Vec<T> {
    let skip = records.len().saturating_sub(limit);
    records.drain(..skip);
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::history::DesktopEventType;
    use crate::ports::history::{MockDesktopHistory, MockLoginHistory};

    fn login(provider: &str, date: i64) -> LoginRecord {
        LoginRecord {
            userid: "fry".into(),
            name: "Fry".into(),
            provider: provider.into(),
            providertype: "ldap".into(),
            labels: Default::default(),
            date,
            useragent: None,
            ipaddr: "192.0.2.1".into(),
        }
    }

    #[tokio::test]
    async fn the_last_records_of_the_named_provider() {
        let mut logins = MockLoginHistory::new();
        logins.expect_list_for().returning(|_| {
            Ok(vec![
                login("planet", 1),
                login("other", 2),
                login("planet", 3),
                login("planet", 4),
            ])
        });
        let mut desktops = MockDesktopHistory::new();
        desktops.expect_list_for().returning(|_| {
            Ok(vec![DesktopEvent {
                userid: "fry".into(),
                name: "Fry".into(),
                provider: "other".into(),
                providertype: "ldap".into(),
                labels: Default::default(),
                eventtype: DesktopEventType::Start,
                isgarbaged: None,
                desktop_id: "fry-1".into(),
                node: None,
                date: 2,
                useragent: None,
                ipaddr: "192.0.2.1".into(),
            }])
        });
        let history = UserHistory::new(Arc::new(logins), Arc::new(desktops));
        let fry = UserId::parse("fry").unwrap();
        let records = history.of(&fry, Some("planet"), 2).await.unwrap();
        assert_eq!(records.logins.iter().map(|l| l.date).collect::<Vec<_>>(), [3, 4]);
        assert!(records.desktops.is_empty(), "another provider's fry");
        let everyone = history.of(&fry, None, 10).await.unwrap();
        assert_eq!((everyone.logins.len(), everyone.desktops.len()), (4, 1));
    }
}
