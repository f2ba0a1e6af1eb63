//! Runs updates through a handler tree as teloxide's `Dispatcher` does, against the fake
//! Bot API of [`super::telegram`], and reads back what the bot did.
//!
//! Like the dispatcher, [`TestBot`] asks Telegram who the bot is (`getMe`) before the first
//! update, type-checks the tree against its dependencies (the test's, plus `Bot`, `Me` and
//! `Update`), handles the updates of one chat one after another and those of different chats
//! concurrently, and waits until every handler has finished. Unlike the dispatcher it does
//! not swallow failures: a handler error, an update no handler took, a call to a method the
//! fake doesn't have, or a button tap left unanswered (its spinner never stops) fails the
//! test, naming the update and listing every request the bot made.

use super::telegram::{ApiReply, FakeTelegram, Incoming, Request, Upload};
use shopbot::BotError;
use std::ops::ControlFlow;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, di::DependencyMap};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, Me, MessageId, Update, UpdateKind};

/// One update or several (dispatched together, as one batch from Telegram).
pub trait IntoIncoming {
    fn into_incoming(self) -> Vec<Incoming>;
}

impl IntoIncoming for Incoming {
    fn into_incoming(self) -> Vec<Incoming> {
        vec![self]
    }
}

impl IntoIncoming for Vec<Incoming> {
    fn into_incoming(self) -> Vec<Incoming> {
        self
    }
}

/// A handler tree with its dependencies, served by its own fake Telegram.
pub struct TestBot {
    pub telegram: FakeTelegram,
    bot: Bot,
    tree: UpdateHandler<BotError>,
    deps: DependencyMap,
    started: bool,
    pending: Vec<Incoming>,
    last: Responses,
}

impl TestBot {
    /// Must run inside a Tokio runtime (the fake starts serving at once).
    pub fn new(tree: UpdateHandler<BotError>, deps: DependencyMap) -> TestBot {
        let telegram = FakeTelegram::start();
        let bot = telegram.bot();
        TestBot {
            telegram,
            bot,
            tree,
            deps,
            started: false,
            pending: Vec::new(),
            last: Responses::default(),
        }
    }

    /// The bot handlers get (pointed at the fake).
    pub fn bot(&self) -> Bot {
        self.bot.clone()
    }

    /// Adds updates for the next [`Self::dispatch`].
    pub fn queue(&mut self, updates: impl IntoIncoming) {
        self.pending.extend(updates.into_incoming());
    }

    /// Queues `updates` and dispatches them.
    pub async fn step(&mut self, updates: impl IntoIncoming) -> Responses {
        self.queue(updates);
        self.dispatch().await
    }

    /// What the last dispatch did.
    pub fn get_responses(&self) -> Responses {
        self.last.clone()
    }

    async fn start(&mut self) {
        let me: Me = self
            .bot
            .get_me()
            .await
            .unwrap_or_else(|e| panic!("getMe failed: {e}"));
        self.deps.insert(me);
        self.deps.insert(self.bot.clone());
        dptree::type_check(self.tree.sig(), &self.deps, &[dptree::Type::of::<Update>()]);
        self.started = true;
    }

    /// Delivers the queued updates and waits for every handler; returns what the bot did.
    pub async fn dispatch(&mut self) -> Responses {
        if !self.started {
            self.start().await;
        }
        let incoming = std::mem::take(&mut self.pending);
        assert!(!incoming.is_empty(), "nothing to dispatch");
        let mark = self.telegram.mark();
        let updates: Vec<Update> = incoming
            .iter()
            .map(|i| parse_update(self.telegram.arrive(i)))
            .collect();
        let taps: Vec<String> = updates
            .iter()
            .filter_map(|u| match &u.kind {
                UpdateKind::CallbackQuery(q) => Some(q.id.0.clone()),
                _ => None,
            })
            .collect();

        // One worker per chat, in the order the chats first appear; updates without a chat
        // are handled each on its own (the dispatcher's default worker runs them concurrently).
        let mut workers: Vec<(Option<ChatId>, Vec<Update>)> = Vec::new();
        for update in updates {
            let chat = update.chat().map(|c| c.id);
            match workers
                .iter_mut()
                .find(|(c, _)| chat.is_some() && *c == chat)
            {
                Some((_, queue)) => queue.push(update),
                None => workers.push((chat, vec![update])),
            }
        }
        let handles: Vec<_> = workers
            .into_iter()
            .map(|(_, queue)| {
                let tree = self.tree.clone();
                let deps = self.deps.clone();
                tokio::spawn(async move {
                    let mut failures = Vec::new();
                    for update in queue {
                        let what = describe(&update);
                        let mut deps = deps.clone();
                        deps.insert(update);
                        match tree.dispatch(deps).await {
                            ControlFlow::Break(Ok(())) => {}
                            ControlFlow::Break(Err(error)) => {
                                failures.push(format!(
                                    "the handler of {what} failed: {error} ({error:?})"
                                ));
                            }
                            ControlFlow::Continue(_) => {
                                failures.push(format!("no handler took {what}"));
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        let mut failures = Vec::new();
        for handle in handles {
            match handle.await {
                Ok(found) => failures.extend(found),
                Err(error) => match error.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    Err(error) => panic!("a handler task was cancelled: {error}"),
                },
            }
        }

        let requests = self.telegram.requests_since(mark);
        for request in &requests {
            match &request.reply {
                None => failures.push(format!(
                    "{} was still in flight when every handler had finished",
                    request.method
                )),
                Some(ApiReply::Error { code: 404, .. }) => failures.push(format!(
                    "the bot called {}, which the fake Bot API doesn't implement",
                    request.method
                )),
                Some(_) => {}
            }
        }
        for id in taps {
            let answered = requests.iter().any(|r| {
                r.method == "answerCallbackQuery" && r.str("callback_query_id") == Some(id.as_str())
            });
            if !answered {
                failures.push(format!(
                    "callback query {id:?} was never answered (the button would keep spinning)"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{}\nthe requests the bot made:\n{requests:#?}",
            failures.join("\n")
        );
        self.last = Responses::new(requests);
        self.last.clone()
    }
}

/// The update as teloxide reads it; teloxide turns what it can't read into
/// `UpdateKind::Error`, which here is the fake's fault and fails loudly.
fn parse_update(json: serde_json::Value) -> Update {
    // From text, as teloxide reads Telegram's answers (its update reader borrows strings).
    let update: Update = serde_json::from_str(&json.to_string())
        .unwrap_or_else(|e| panic!("teloxide can't read the fake's update ({e}): {json:#}"));
    if let UpdateKind::Error(_) = update.kind {
        let why = if let Some(message) = json.get("message") {
            serde_json::from_str::<Message>(&message.to_string()).err()
        } else if let Some(query) = json.get("callback_query") {
            serde_json::from_str::<teloxide::types::CallbackQuery>(&query.to_string()).err()
        } else {
            None
        };
        panic!("teloxide can't read the fake's update ({why:?}): {json:#}");
    }
    update
}

fn describe(update: &Update) -> String {
    match &update.kind {
        UpdateKind::Message(m) => format!(
            "update {} (a message in chat {}: {:?})",
            update.id.0,
            m.chat.id,
            m.text().or(m.caption()).unwrap_or("<media>")
        ),
        UpdateKind::CallbackQuery(q) => format!(
            "update {} (a tap by {} on {:?}, query {:?})",
            update.id.0,
            q.from.id,
            q.data.as_deref().unwrap_or(""),
            q.id.0
        ),
        other => format!("update {} ({other:?})", update.id.0),
    }
}

// ----- responses ---------------------------------------------------------------------

/// A text message the bot sent, or an edit of one.
#[derive(Clone, Debug)]
pub struct SentText {
    /// The message as Telegram answered it.
    pub message: Message,
    /// What the bot asked for.
    pub text: String,
    pub reply_markup: Option<InlineKeyboardMarkup>,
}

/// A photo or document the bot sent.
#[derive(Clone, Debug)]
pub struct SentFile {
    pub message: Message,
    pub caption: Option<String>,
    /// The file uploaded with the request, if it was one.
    pub upload: Option<Upload>,
    /// The file id the bot named, if it sent a file Telegram already has.
    pub file_id: Option<String>,
}

/// An `answerCallbackQuery` the bot made.
#[derive(Clone, Debug)]
pub struct AnsweredQuery {
    pub id: String,
    pub text: Option<String>,
    pub show_alert: bool,
    /// Telegram refuses a second answer to one query (a redelivered tap).
    pub accepted: bool,
}

/// A text the bot tried to show (sent or edited), whether Telegram took it or not.
#[derive(Clone, Debug)]
pub struct TextAttempt {
    pub method: String,
    pub text: String,
    pub reply_markup: Option<InlineKeyboardMarkup>,
    /// Telegram's refusal, such as "message is not modified".
    pub error: Option<String>,
}

/// What the bot did during one dispatch. Sent and edited messages are those Telegram
/// accepted; answers to button taps are every answer the bot gave, with whether Telegram
/// accepted it.
#[derive(Clone, Debug, Default)]
pub struct Responses {
    /// Every request, in the order they reached Telegram.
    pub requests: Vec<Request>,
    /// Every message the bot sent (text, photo, document).
    pub sent_messages: Vec<Message>,
    pub sent_messages_text: Vec<SentText>,
    pub sent_messages_photo: Vec<SentFile>,
    pub sent_messages_document: Vec<SentFile>,
    pub edited_messages_text: Vec<SentText>,
    pub answered_callback_queries: Vec<AnsweredQuery>,
    pub deleted_messages: Vec<(ChatId, MessageId)>,
}

fn message_of(request: &Request) -> Option<Message> {
    let result = request.result()?;
    Some(
        serde_json::from_str(&result.to_string())
            .unwrap_or_else(|e| panic!("teloxide can't read the fake's message ({e}): {result:#}")),
    )
}

fn markup_of(request: &Request) -> Option<InlineKeyboardMarkup> {
    let markup = request.body.get("reply_markup")?;
    markup.get("inline_keyboard")?;
    Some(
        serde_json::from_str(&markup.to_string())
            .unwrap_or_else(|e| panic!("an inline keyboard that doesn't parse ({e}): {markup}")),
    )
}

impl Responses {
    pub fn new(requests: Vec<Request>) -> Responses {
        let mut r = Responses::default();
        for request in &requests {
            let text = || request.str("text").unwrap_or_default().to_owned();
            match request.method.as_str() {
                "sendMessage" => {
                    if let Some(message) = message_of(request) {
                        r.sent_messages.push(message.clone());
                        r.sent_messages_text.push(SentText {
                            message,
                            text: text(),
                            reply_markup: markup_of(request),
                        });
                    }
                }
                "editMessageText" => {
                    if let Some(message) = message_of(request) {
                        r.edited_messages_text.push(SentText {
                            message,
                            text: text(),
                            reply_markup: markup_of(request),
                        });
                    }
                }
                method @ ("sendPhoto" | "sendDocument") => {
                    let param = if method == "sendPhoto" {
                        "photo"
                    } else {
                        "document"
                    };
                    if let Some(message) = message_of(request) {
                        r.sent_messages.push(message.clone());
                        let sent = SentFile {
                            message,
                            caption: request.str("caption").map(str::to_owned),
                            upload: request.uploads.iter().find(|u| u.field == param).cloned(),
                            file_id: request
                                .str(param)
                                .filter(|id| !id.starts_with("attach://"))
                                .map(str::to_owned),
                        };
                        if method == "sendPhoto" {
                            r.sent_messages_photo.push(sent);
                        } else {
                            r.sent_messages_document.push(sent);
                        }
                    }
                }
                "answerCallbackQuery" => r.answered_callback_queries.push(AnsweredQuery {
                    id: request
                        .str("callback_query_id")
                        .unwrap_or_default()
                        .to_owned(),
                    text: request.str("text").map(str::to_owned),
                    show_alert: request.body["show_alert"].as_bool().unwrap_or(false),
                    accepted: request.is_ok(),
                }),
                "deleteMessage" if request.is_ok() => {
                    let id = request.body["message_id"].as_i64().unwrap_or_default();
                    r.deleted_messages.push((
                        ChatId(request.chat().unwrap_or_default()),
                        MessageId(i32::try_from(id).unwrap_or_default()),
                    ));
                }
                _ => {}
            }
        }
        r.requests = requests;
        r
    }

    /// Every text the bot tried to show — sent ones first, then edits — including those
    /// Telegram refused.
    pub fn attempted_texts(&self) -> Vec<TextAttempt> {
        let attempts = |method: &str| {
            self.requests
                .iter()
                .filter(|r| r.method == method)
                .map(|r| TextAttempt {
                    method: r.method.clone(),
                    text: r.str("text").unwrap_or_default().to_owned(),
                    reply_markup: markup_of(r),
                    error: r.error().map(str::to_owned),
                })
                .collect::<Vec<_>>()
        };
        let mut all = attempts("sendMessage");
        all.extend(attempts("editMessageText"));
        all
    }
}
