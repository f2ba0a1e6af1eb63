//! Sending broadcasts. The job itself lives in the shop (`Shop::create_broadcast`, a cursor
//! over users); this module drives it: fetch the next recipients, send each the text within
//! Telegram's limits (one shared pace for every job, `broadcast_per_second`), record each
//! delivery right after its send, and edit one progress message for the staff.
//!
//! - 429: the `retry_after` Telegram asks for is honoured, then the same user is retried.
//! - 403 and kin (blocked, deactivated, chat gone): recorded as `Blocked`, so later
//!   broadcasts skip the user until they talk to the bot again.
//! - network trouble: the same user is retried with a growing pause; nobody is skipped.
//! - cancel (the staff's button) or shutdown: the job stops between two messages. After a
//!   restart, [`Broadcaster::resume_all`] continues every running job after its cursor, so
//!   each recipient gets the message once (a crash — not a shutdown — between a send and its
//!   record may repeat that one message).

use super::lease;
use crate::core::{self, Failure};
use crate::i18n::Lang;
use crate::ops::telemetry::{names, redact};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use shopcore::{Broadcast, BroadcastDelivery, BroadcastId, BroadcastStatus, Shop, UserId};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;

/// Recipients fetched from the shop per round trip.
const RECIPIENTS_PER_BATCH: usize = 50;
/// The period a broadcast's lease is renewed within (`ops::lease`): a replica that drives
/// one renews it at least this often, before sending.
const BROADCAST_LEASE: Duration = Duration::from_secs(60);
/// The least time between two edits of the progress message.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);
/// The longest pause after a network error.
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// The longest `retry_after` honoured at once (Telegram asks for seconds, rarely minutes).
const RETRY_AFTER_MAX: Duration = Duration::from_secs(600);

/// The button data of the progress message's Cancel button.
pub fn cancel_data(id: BroadcastId) -> String {
    format!("ops:bc:stop:{}", id.get())
}

/// Where the job's progress is shown.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub chat: ChatId,
    pub message: MessageId,
}

/// What a failed send means for the recipient.
#[derive(Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Record(BroadcastDelivery),
    /// Wait this long, then send to the same user again.
    RetryAfter(Duration),
    /// A transient failure: back off and retry the same user.
    Transient,
}

/// Sorts a send result.
pub fn outcome(result: &Result<(), RequestError>) -> SendOutcome {
    match result {
        Ok(()) => SendOutcome::Record(BroadcastDelivery::Sent),
        Err(RequestError::RetryAfter(wait)) => {
            SendOutcome::RetryAfter(wait.duration().min(RETRY_AFTER_MAX))
        }
        Err(RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
            | ApiError::ChatNotFound
            | ApiError::UserNotFound,
        )) => SendOutcome::Record(BroadcastDelivery::Blocked),
        Err(RequestError::Api(_) | RequestError::InvalidJson { .. }) => {
            SendOutcome::Record(BroadcastDelivery::Failed)
        }
        Err(_) => SendOutcome::Transient,
    }
}

/// Drives broadcast jobs.
pub struct Broadcaster {
    bot: Bot,
    shop: Arc<Shop>,
    pace: DefaultDirectRateLimiter,
    stop: watch::Receiver<bool>,
    staff_chat: Option<ChatId>,
    jobs: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// The broadcasts this process drives.
    driving: std::sync::Mutex<std::collections::HashSet<shopcore::BroadcastId>>,
}

impl Broadcaster {
    pub fn new(
        bot: Bot,
        shop: Arc<Shop>,
        per_second: u32,
        stop: watch::Receiver<bool>,
        staff_chat: Option<i64>,
    ) -> Arc<Broadcaster> {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        Arc::new(Broadcaster {
            bot,
            shop,
            // No burst above the per-second rate: Telegram counts per second.
            pace: RateLimiter::direct(Quota::per_second(per_second).allow_burst(NonZeroU32::MIN)),
            stop,
            staff_chat: staff_chat.map(ChatId),
            jobs: std::sync::Mutex::new(Vec::new()),
            driving: std::sync::Mutex::new(std::collections::HashSet::new()),
        })
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Starts sending a job in the background (unless this process already does).
    pub fn start(self: &Arc<Self>, job: Broadcast, progress: Option<Progress>) {
        if !self
            .driving
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(job.id)
        {
            return;
        }
        let me = Arc::clone(self);
        let handle = tokio::spawn(async move {
            let id = job.id;
            let driven = me.drive(job, progress).await;
            me.driving
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            match driven {
                Ok(job) => tracing::info!(
                    broadcast = %id,
                    status = ?job.status,
                    sent = job.sent,
                    blocked = job.blocked,
                    failed = job.failed,
                    "broadcast job stopped"
                ),
                Err(failure) => {
                    tracing::error!(broadcast = %id, kind = failure.kind(), "broadcast job failed")
                }
            }
        });
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.retain(|j| !j.is_finished());
        jobs.push(handle);
    }

    /// Resumes every running job (after a restart). Progress goes to a new message in the
    /// staff chat, when there is one.
    pub async fn resume_all(self: &Arc<Self>) -> Result<usize, Failure> {
        let running = core::run(&self.shop, |shop| shop.running_broadcasts()).await?;
        let mut count = 0;
        for job in running {
            let driven_here = self
                .driving
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&job.id);
            // Driven here already, or by another live replica of a shared shop.
            if driven_here
                || !lease::mine(&self.shop, &lease::jobs::broadcast(job.id), BROADCAST_LEASE).await
            {
                continue;
            }
            count += 1;
            tracing::info!(broadcast = %job.id, sent = job.sent, "resuming broadcast");
            let progress = match self.staff_chat {
                Some(chat) => self
                    .bot
                    .send_message(chat, progress_text(Lang::EN, &job))
                    .reply_markup(cancel_keyboard(Lang::EN, job.id))
                    .await
                    .ok()
                    .map(|m| Progress {
                        chat,
                        message: m.id,
                    }),
                None => None,
            };
            self.start(job, progress);
        }
        Ok(count)
    }

    /// Every `every`, resumes the running broadcasts that no live replica drives (a shared
    /// shop whose replica died mid-broadcast), until aborted.
    pub fn watch_orphans(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match me.resume_all().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(jobs = n, "broadcasts taken over"),
                    Err(failure) => {
                        tracing::warn!(kind = failure.kind(), "looking for broadcasts failed")
                    }
                }
            }
        })
    }

    /// Waits for the running jobs to stop (after the stop signal), at most `deadline`.
    pub async fn join(&self, deadline: Duration) {
        let jobs: Vec<_> =
            std::mem::take(&mut *self.jobs.lock().unwrap_or_else(|p| p.into_inner()));
        let all = async {
            for job in jobs {
                let _ = job.await;
            }
        };
        if tokio::time::timeout(deadline, all).await.is_err() {
            tracing::warn!("broadcast jobs still sending at the deadline");
        }
    }

    /// Sends one job until it is finished, cancelled or the process stops.
    pub async fn drive(
        &self,
        mut job: Broadcast,
        progress: Option<Progress>,
    ) -> Result<Broadcast, Failure> {
        let id = job.id;
        let mut last_progress = Instant::now();
        let mut last_claim: Option<Instant> = None;
        'batches: loop {
            if self.stopping() {
                break;
            }

            let batch = core::run(&self.shop, move |shop| {
                shop.broadcast_recipients(id, RECIPIENTS_PER_BATCH)
            })
            .await?;
            if batch.is_empty() {
                // Finished (the shop marks it) or cancelled.
                break;
            }
            for user in batch {
                if self.stopping() {
                    break 'batches;
                }
                // Renewed before sending whenever half its period has passed (a long
                // flood wait included); another replica holding it means this one lost it.
                if last_claim.is_none_or(|at| at.elapsed() >= BROADCAST_LEASE / 2) {
                    if !lease::mine(&self.shop, &lease::jobs::broadcast(id), BROADCAST_LEASE).await
                    {
                        tracing::warn!(broadcast = %id, "another replica drives this broadcast now");
                        break 'batches;
                    }
                    last_claim = Some(Instant::now());
                }
                // A cancel between two messages stops the job.
                let current = core::run(&self.shop, move |shop| shop.broadcast(id)).await?;
                if current.is_none_or(|b| b.status != BroadcastStatus::Running) {
                    break 'batches;
                }
                let Some(delivery) = self.send_one(id, user, &job.text).await else {
                    break 'batches;
                };
                metrics::counter!(names::BROADCAST_DELIVERIES, "outcome" => delivery_name(delivery))
                    .increment(1);
                job = core::run(&self.shop, move |shop| {
                    shop.record_broadcast_delivery(id, user, delivery)
                })
                .await?;
                if let Some(progress) = progress
                    && last_progress.elapsed() >= PROGRESS_EVERY
                {
                    last_progress = Instant::now();
                    self.show_progress(progress, &job).await;
                }
            }
        }
        let job = core::run(&self.shop, move |shop| shop.broadcast(id))
            .await?
            .unwrap_or(job);
        if let Some(progress) = progress {
            self.show_progress(progress, &job).await;
        }
        Ok(job)
    }

    /// Sends to one user until there is something to record; `None` when stopping.
    /// After a pause, the broadcast's lease is renewed before sending again: a wait longer
    /// than the lease may have let another replica take the broadcast over (then this one
    /// stops, and the other sends).
    async fn send_one(
        &self,
        id: BroadcastId,
        user: UserId,
        text: &str,
    ) -> Option<BroadcastDelivery> {
        let chat = ChatId(i64::try_from(user.get()).unwrap_or(i64::MAX));
        // The buttons in the recipient's language: mute the next broadcasts, open the shop.
        let lang = core::run(&self.shop, move |shop| shop.user(user))
            .await
            .ok()
            .flatten()
            .and_then(|u| u.preferred_language.or(u.language))
            .map_or(Lang::EN, |l| Lang::from_code(l.as_str()));
        let mut backoff = Duration::from_secs(1);
        loop {
            self.pace.until_ready().await;
            let result = self
                .bot
                .send_message(chat, text)
                .reply_markup(crate::render::broadcast_buttons(lang))
                .await
                .map(|_| ());
            match outcome(&result) {
                SendOutcome::Record(delivery) => {
                    if let Err(error) = &result {
                        tracing::info!(%user, error = %redact(&error.to_string()), "broadcast not delivered");
                    }
                    return Some(delivery);
                }
                SendOutcome::RetryAfter(wait) => {
                    tracing::warn!(secs = wait.as_secs(), "Telegram asked to slow down");
                    if self.pause(wait).await || !self.still_mine(id).await {
                        return None;
                    }
                }
                SendOutcome::Transient => {
                    if let Err(error) = &result {
                        tracing::warn!(error = %redact(&error.to_string()), "broadcast send failed; retrying");
                    }
                    if self.pause(backoff).await || !self.still_mine(id).await {
                        return None;
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// Sleeps `wait`; true when the stop signal came first.
    /// Renews broadcast `id`'s lease; `false` when another replica holds it now.
    async fn still_mine(&self, id: BroadcastId) -> bool {
        let mine = lease::mine(&self.shop, &lease::jobs::broadcast(id), BROADCAST_LEASE).await;
        if !mine {
            tracing::warn!(broadcast = %id, "another replica drives this broadcast now");
        }
        mine
    }

    async fn pause(&self, wait: Duration) -> bool {
        let mut stop = self.stop.clone();
        tokio::select! {
            () = tokio::time::sleep(wait) => false,
            _ = stop.wait_for(|s| *s) => true,
        }
    }

    async fn show_progress(&self, progress: Progress, job: &Broadcast) {
        let mut request = self.bot.edit_message_text(
            progress.chat,
            progress.message,
            progress_text(Lang::EN, job),
        );
        if job.status == BroadcastStatus::Running {
            request = request.reply_markup(cancel_keyboard(Lang::EN, job.id));
        }
        match request.await {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => {}
            Err(error) => tracing::warn!(error = %redact(&error.to_string()), "progress not shown"),
        }
    }
}

fn delivery_name(delivery: BroadcastDelivery) -> &'static str {
    match delivery {
        BroadcastDelivery::Sent => "sent",
        BroadcastDelivery::Blocked => "blocked",
        BroadcastDelivery::Failed => "failed",
    }
}

/// The progress message.
pub fn progress_text(lang: Lang, job: &Broadcast) -> String {
    let key = match job.status {
        BroadcastStatus::Running => "broadcast-progress",
        BroadcastStatus::Cancelled => "broadcast-cancelled",
        BroadcastStatus::Finished => "broadcast-finished",
    };
    let done = job.sent + job.blocked + job.failed;
    lang.tf(
        key,
        &[
            ("id", &job.id.get().to_string()),
            ("done", &done.to_string()),
            ("audience", &job.audience.to_string()),
            ("sent", &job.sent.to_string()),
            ("blocked", &job.blocked.to_string()),
            ("failed", &job.failed.to_string()),
        ],
    )
}

pub fn cancel_keyboard(lang: Lang, id: BroadcastId) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        lang.t("broadcast-button_cancel"),
        cancel_data(id),
    )]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::Seconds;

    #[test]
    fn send_results_are_sorted() {
        assert_eq!(
            outcome(&Ok(())),
            SendOutcome::Record(BroadcastDelivery::Sent)
        );
        assert_eq!(
            outcome(&Err(RequestError::Api(ApiError::BotBlocked))),
            SendOutcome::Record(BroadcastDelivery::Blocked)
        );
        assert_eq!(
            outcome(&Err(RequestError::RetryAfter(Seconds::from_seconds(3)))),
            SendOutcome::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(
            outcome(&Err(RequestError::Api(ApiError::MessageTextIsEmpty))),
            SendOutcome::Record(BroadcastDelivery::Failed)
        );
    }
}
