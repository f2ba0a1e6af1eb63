//! A fake Telegram Bot API on 127.0.0.1, written for these tests.
//!
//! It answers `POST /bot<TOKEN>/<method>` (JSON, form or multipart bodies; method names in any
//! case, as Telegram accepts them) the way the real API does for everything the bot calls:
//! `{"ok":true,"result":…}` with realistic `Message` objects (message ids counted per chat,
//! shared by the person's and the bot's messages as in a private chat), `true` where Telegram
//! answers `True`, and Telegram's own errors where Telegram gives them: an edit that changes
//! nothing ("message is not modified"), a message that isn't there, a text or caption that is
//! empty or too long, callback data over 64 bytes, a callback query answered twice, a file id
//! it never issued or of the wrong kind ("type of file mismatch"). Files are served from
//! `GET /file/bot<TOKEN>/<path>` after `getFile`.
//!
//! It remembers what it holds (chats and their messages, files, callback queries, updates
//! waiting for `getUpdates`) and records every request (method, parsed body, uploads, reply)
//! so a test can read what the bot sent, edited and answered. Tests can script failures per
//! chat — a blocked user, a kicked bot, a group that became a supergroup, a 5xx, a flood wait —
//! and delays, which apply to every request addressed to that chat.
//!
//! [`Incoming`] is what a person does (types, sends a photo or a file, taps a button);
//! [`FakeTelegram::arrive`] turns it into the update Telegram would deliver, with the
//! message stored in its chat, and [`FakeTelegram::push`] queues it for `getUpdates`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use teloxide::prelude::*;

/// The only token the fake accepts; anything else gets `401 Unauthorized`.
pub const TOKEN: &str = "123456:TEST-token_abcdefgh";
/// The bot's own user.
pub const BOT_ID: u64 = 4_242;
pub const BOT_USERNAME: &str = "shop_test_bot";

/// Telegram's limits (characters, except callback data: bytes).
const TEXT_CHARS_MAX: usize = 4096;
const CAPTION_CHARS_MAX: usize = 1024;
const ANSWER_CHARS_MAX: usize = 200;
const CALLBACK_DATA_BYTES_MAX: usize = 64;
const PHOTO_BYTES_MAX: usize = 10 * 1024 * 1024;
const DOCUMENT_BYTES_MAX: usize = 50 * 1024 * 1024;
/// `getFile` refuses files over 20 MB.
const DOWNLOAD_BYTES_MAX: u64 = 20 * 1024 * 1024;
/// An idle `getUpdates` returns an empty batch after at most this long (its `timeout`, if
/// shorter), so a bot stopping under test isn't held by a ten-second long poll.
const LONG_POLL_MAX: Duration = Duration::from_millis(250);

/// The sizes Telegram makes of a picture a person sends, smallest first.
const PICTURE_SIZES: [(u32, u32); 3] = [(90, 51), (320, 180), (1280, 720)];

/// The picture [`Incoming::photo`] sends unless told otherwise.
pub const PICTURE: &str = "receipt";

/// The `file_id` of the largest size of `picture` as a person sent it.
pub fn picture_file_id(picture: &str) -> String {
    let (w, h) = PICTURE_SIZES[PICTURE_SIZES.len() - 1];
    size_file_id(picture, w, h)
}

/// The `file_unique_id` of the largest size of `picture`: the same every time the same
/// picture is sent, as on Telegram.
pub fn picture_unique_id(picture: &str) -> String {
    let (w, h) = PICTURE_SIZES[PICTURE_SIZES.len() - 1];
    size_unique_id(picture, w, h)
}

fn size_file_id(picture: &str, w: u32, h: u32) -> String {
    format!("AgACAgQ-{picture}-{w}x{h}")
}

fn size_unique_id(picture: &str, w: u32, h: u32) -> String {
    format!("AQAD-{picture}-{w}x{h}")
}

// ----- what a person does ------------------------------------------------------------

/// A Telegram user who talks to the bot in a private chat (whose id is theirs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: u64,
    pub first_name: String,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl Person {
    pub fn new(id: u64, first_name: &str, language_code: &str) -> Person {
        Person {
            id,
            first_name: first_name.to_owned(),
            username: None,
            language_code: Some(language_code.to_owned()),
        }
    }

    fn json(&self) -> Value {
        let mut user = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(username) = &self.username {
            user["username"] = json!(username);
        }
        if let Some(code) = &self.language_code {
            user["language_code"] = json!(code);
        }
        user
    }

    fn chat(&self) -> i64 {
        i64::try_from(self.id).expect("a user id fits in i64")
    }
}

/// One thing a person does in their private chat with the bot.
#[derive(Clone, Debug)]
pub enum Incoming {
    Text {
        from: Person,
        text: String,
    },
    /// A picture (one of Telegram's usual sizes each); the same `picture` has the same file
    /// ids every time.
    Photo {
        from: Person,
        picture: String,
        caption: Option<String>,
    },
    Document {
        from: Person,
        file_name: String,
        mime_type: String,
        bytes: Vec<u8>,
        caption: Option<String>,
    },
    /// A tap on a button carrying `data`, on a message the bot sent. A second tap with the
    /// same `query_id` is Telegram delivering the same callback query again.
    Tap {
        from: Person,
        query_id: String,
        data: String,
    },
    /// `@bot query` typed in any chat (inline mode).
    Inline {
        from: Person,
        query_id: String,
        query: String,
    },
    /// A text message in a group (`chat` < 0) the bot is a member of.
    InGroup {
        from: Person,
        chat: i64,
        text: String,
    },
    /// Telegram asks the bot whether an invoice it sent may be paid (the payer pressed Pay):
    /// the bot must answer within 10 seconds. The same `query_id` again is a redelivery.
    PreCheckout {
        from: Person,
        query_id: String,
        payload: String,
        amount: u32,
        currency: String,
    },
    /// An invoice was paid in Stars: the service message in the payer's chat, with the
    /// charge id Telegram gives the payment (refundable with `refundStarPayment`).
    StarPayment {
        from: Person,
        payload: String,
        amount: u32,
        charge_id: String,
    },
}

impl Incoming {
    pub fn text(from: Person, text: &str) -> Incoming {
        Incoming::Text {
            from,
            text: text.to_owned(),
        }
    }

    pub fn photo(from: Person) -> Incoming {
        Incoming::Photo {
            from,
            picture: PICTURE.to_owned(),
            caption: None,
        }
    }

    pub fn document(from: Person, file_name: &str, mime_type: &str, bytes: &[u8]) -> Incoming {
        Incoming::Document {
            from,
            file_name: file_name.to_owned(),
            mime_type: mime_type.to_owned(),
            bytes: bytes.to_vec(),
            caption: None,
        }
    }

    pub fn tap(from: Person, data: &str, query_id: &str) -> Incoming {
        Incoming::Tap {
            from,
            query_id: query_id.to_owned(),
            data: data.to_owned(),
        }
    }

    /// The same photo or document with a caption.
    pub fn caption(self, text: &str) -> Incoming {
        match self {
            Incoming::Photo { from, picture, .. } => Incoming::Photo {
                from,
                picture,
                caption: Some(text.to_owned()),
            },
            Incoming::Document {
                from,
                file_name,
                mime_type,
                bytes,
                ..
            } => Incoming::Document {
                from,
                file_name,
                mime_type,
                bytes,
                caption: Some(text.to_owned()),
            },
            other => panic!("only a photo or a document has a caption: {other:?}"),
        }
    }

    pub fn from(&self) -> &Person {
        match self {
            Incoming::Text { from, .. }
            | Incoming::Photo { from, .. }
            | Incoming::Document { from, .. }
            | Incoming::Tap { from, .. }
            | Incoming::InGroup { from, .. }
            | Incoming::Inline { from, .. }
            | Incoming::PreCheckout { from, .. }
            | Incoming::StarPayment { from, .. } => from,
        }
    }
}

// ----- what the bot asked ------------------------------------------------------------

/// A file part of a multipart request.
#[derive(Clone)]
pub struct Upload {
    /// The parameter it was given for (`photo`, `document`), after `attach://` is resolved.
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("field", &self.field)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// What the fake answered.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiReply {
    Ok(Value),
    Error {
        code: u16,
        description: String,
        parameters: Option<Value>,
    },
}

impl ApiReply {
    fn bad_request(description: &str) -> ApiReply {
        ApiReply::Error {
            code: 400,
            description: format!("Bad Request: {description}"),
            parameters: None,
        }
    }

    fn not_found() -> ApiReply {
        ApiReply::Error {
            code: 404,
            description: "Not Found".into(),
            parameters: None,
        }
    }

    fn into_response(self) -> Response {
        match self {
            ApiReply::Ok(result) => {
                axum::Json(json!({"ok": true, "result": result})).into_response()
            }
            ApiReply::Error {
                code,
                description,
                parameters,
            } => {
                let mut body = json!({"ok": false, "error_code": code, "description": description});
                if let Some(parameters) = parameters {
                    body["parameters"] = parameters;
                }
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, axum::Json(body)).into_response()
            }
        }
    }
}

/// One request the bot made.
#[derive(Clone, Debug)]
pub struct Request {
    /// Telegram's spelling (`sendMessage`); for a method the fake doesn't know, the name as
    /// the bot sent it (answered `404 Not Found`, as Telegram does).
    pub method: String,
    /// The parameters as a JSON object, whatever the encoding (form values of JSON-typed,
    /// numeric and boolean parameters are decoded to their types).
    pub body: Value,
    pub uploads: Vec<Upload>,
    /// `None` while the request is in flight.
    pub reply: Option<ApiReply>,
    pub started: Instant,
    pub finished: Option<Instant>,
}

impl Request {
    /// The chat the request is addressed to (`chat_id`), when it is a number.
    pub fn chat(&self) -> Option<i64> {
        number(&self.body["chat_id"])
    }

    pub fn is_ok(&self) -> bool {
        matches!(self.reply, Some(ApiReply::Ok(_)))
    }

    /// The `result` of a successful request.
    pub fn result(&self) -> Option<&Value> {
        match &self.reply {
            Some(ApiReply::Ok(result)) => Some(result),
            _ => None,
        }
    }

    /// The `description` of a refused request.
    pub fn error(&self) -> Option<&str> {
        match &self.reply {
            Some(ApiReply::Error { description, .. }) => Some(description),
            _ => None,
        }
    }

    pub fn str(&self, param: &str) -> Option<&str> {
        self.body[param].as_str()
    }
}

/// A failure scripted for one chat, as Telegram words it.
#[derive(Clone, Debug)]
pub enum Fault {
    /// The user blocked the bot (403).
    Blocked,
    /// The bot was removed from the group (403; a wording teloxide has no variant for).
    Kicked,
    /// The group became a supergroup with this id (400 with `migrate_to_chat_id`).
    Migrated(i64),
    /// Telegram's side failed (500).
    ServerError,
    /// A flood wait (429 with `retry_after`).
    RetryAfter(u32),
}

impl Fault {
    fn reply(&self) -> ApiReply {
        let (code, description, parameters) = match self {
            Fault::Blocked => (403, "Forbidden: bot was blocked by the user".into(), None),
            Fault::Kicked => (
                403,
                "Forbidden: bot was kicked from the group chat".into(),
                None,
            ),
            Fault::Migrated(to) => (
                400,
                "Bad Request: group chat was upgraded to a supergroup chat".into(),
                Some(json!({"migrate_to_chat_id": to})),
            ),
            Fault::ServerError => (500, "Internal Server Error".into(), None),
            Fault::RetryAfter(secs) => (
                429,
                format!("Too Many Requests: retry after {secs}"),
                Some(json!({"retry_after": secs})),
            ),
        };
        ApiReply::Error {
            code,
            description,
            parameters,
        }
    }
}

/// A text message Telegram accepted from the bot.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub chat: i64,
    pub text: String,
    pub at: Instant,
}

// ----- the server --------------------------------------------------------------------

/// The fake Bot API, serving until dropped.
pub struct FakeTelegram {
    shared: Arc<Shared>,
    url: url::Url,
    server: tokio::task::JoinHandle<()>,
}

struct Shared {
    world: Mutex<World>,
    /// Wakes a waiting `getUpdates` when an update is queued.
    queued: tokio::sync::Notify,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts the fake on a free port of 127.0.0.1. Must run inside a Tokio runtime.
    pub fn start() -> FakeTelegram {
        FakeTelegram::start_on("127.0.0.1:0".parse().expect("an address")).expect("bind the fake")
    }

    /// Starts the fake on `addr` (the runnable fake in `examples/fake_telegram.rs` takes a
    /// fixed port). Must run inside a Tokio runtime.
    pub fn start_on(addr: std::net::SocketAddr) -> std::io::Result<FakeTelegram> {
        let shared = Arc::new(Shared {
            world: Mutex::new(World::default()),
            queued: tokio::sync::Notify::new(),
        });
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let app = Router::new()
            .fallback(serve)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeTelegram {
            shared,
            url: url::Url::parse(&format!("http://{addr}/")).expect("url"),
            server,
        })
    }

    /// The base URL to give `Bot::set_api_url`.
    pub fn url(&self) -> url::Url {
        self.url.clone()
    }

    /// A bot talking to this fake.
    pub fn bot(&self) -> Bot {
        Bot::new(TOKEN).set_api_url(self.url())
    }

    fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.shared)
    }

    /// Every request so far (`getUpdates` polls left out), in the order they arrived.
    pub fn requests(&self) -> Vec<Request> {
        self.world().requests.clone()
    }

    /// How many requests arrived so far; [`Self::requests_since`] takes it.
    pub fn mark(&self) -> usize {
        self.world().requests.len()
    }

    pub fn requests_since(&self, mark: usize) -> Vec<Request> {
        self.world().requests[mark..].to_vec()
    }

    /// How many `method` requests addressed to `chat` arrived (answered or not).
    pub fn calls_to(&self, method: &str, chat: i64) -> usize {
        self.world()
            .requests
            .iter()
            .filter(|r| r.method == method && r.chat() == Some(chat))
            .count()
    }

    /// How many `method` requests arrived (answered or not).
    pub fn calls(&self, method: &str) -> usize {
        self.world()
            .requests
            .iter()
            .filter(|r| r.method == method)
            .count()
    }

    /// Every text message Telegram accepted, in the order the answers went out.
    pub fn delivered(&self) -> Vec<Delivered> {
        let mut out: Vec<Delivered> = self
            .world()
            .requests
            .iter()
            .filter(|r| r.method == "sendMessage" && r.is_ok())
            .map(|r| Delivered {
                chat: r.chat().expect("a delivered message has a chat"),
                text: r.str("text").unwrap_or_default().to_owned(),
                at: r.finished.expect("answered"),
            })
            .collect();
        out.sort_by_key(|d| d.at);
        out
    }

    /// The texts Telegram accepted for `chat`, in order.
    pub fn delivered_to(&self, chat: i64) -> Vec<String> {
        self.delivered()
            .into_iter()
            .filter(|d| d.chat == chat)
            .map(|d| d.text)
            .collect()
    }

    /// The next requests to `chat` fail with these faults, one each, in order.
    pub fn fail_next(&self, chat: i64, faults: impl IntoIterator<Item = Fault>) {
        self.world().faults.entry(chat).or_default().extend(faults);
    }

    /// Every request to `chat` fails with `fault` (once any scripted ones are used up).
    pub fn fail_always(&self, chat: i64, fault: Fault) {
        self.world().always.insert(chat, fault);
    }

    /// Every request to `chat` is answered `delay` late.
    pub fn delay(&self, chat: i64, delay: Duration) {
        self.world().delays.insert(chat, delay);
    }

    /// The update Telegram delivers for what a person did, with their message (or, for a tap,
    /// the bot's message holding the button) stored in the chat. Not queued for `getUpdates`.
    pub fn arrive(&self, incoming: &Incoming) -> Value {
        self.world().arrive(incoming)
    }

    /// Queues what a person did for the bot's `getUpdates`.
    pub fn push(&self, incoming: &Incoming) {
        let update = self.arrive(incoming);
        self.world().updates.push_back(update);
        self.shared.queued.notify_waiters();
    }

    /// `user` (an English speaker named U) types `text` to the bot, through `getUpdates`.
    pub fn user_says(&self, user: u64, text: &str) {
        self.push(&Incoming::text(Person::new(user, "U", "en"), text));
    }

    /// A document that exists on Telegram's side (someone sent it to the bot); its file id.
    pub fn stored_document(&self, file_name: &str, mime_type: &str, bytes: &[u8]) -> String {
        let mut world = self.world();
        let document = world.store_document(file_name, mime_type, bytes.to_vec());
        document["file_id"].as_str().expect("a file id").to_owned()
    }

    /// A message as Telegram now holds it.
    pub fn message(&self, chat: i64, id: i32) -> Option<Value> {
        self.world()
            .chats
            .get(&chat)
            .and_then(|c| c.messages.get(&id))
            .cloned()
    }

    /// The invoices the bot sent to `chat` (the `invoice` of each message), oldest first.
    pub fn invoices_sent(&self, chat: i64) -> Vec<Value> {
        self.world()
            .chats
            .get(&chat)
            .map(|c| {
                c.messages
                    .values()
                    .filter_map(|m| m.get("invoice").cloned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The results the bot answered an inline query with.
    pub fn inline_answer(&self, query_id: &str) -> Option<Value> {
        self.world().inline_answers.get(query_id).cloned().flatten()
    }

    /// How the bot answered a pre-checkout query: `(ok, error_message)`.
    pub fn pre_checkout_answer(&self, query_id: &str) -> Option<(bool, Option<String>)> {
        self.world().pre_checkouts.get(query_id).cloned().flatten()
    }

    /// Telegram charges a Stars payment whose update never reaches the bot (it crashed, or
    /// the update was lost): only `getStarTransactions` shows it.
    pub fn star_paid_unseen(&self, from: &Person, payload: &str, amount: u32, charge: &str) {
        self.world()
            .record_star_payment(from, payload, amount, charge);
    }

    /// Whether a Stars payment was refunded (`refundStarPayment` succeeded for it).
    pub fn refunded(&self, charge_id: &str) -> bool {
        self.world()
            .charges
            .get(charge_id)
            .is_some_and(|c| c.refunded)
    }

    /// Whether a callback query was answered (successfully).
    pub fn answered(&self, query_id: &str) -> bool {
        self.world()
            .queries
            .get(query_id)
            .is_some_and(|q| q.answered)
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, World> {
    shared.world.lock().unwrap_or_else(|p| p.into_inner())
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let segments: Vec<String> = uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    match segments.as_slice() {
        [bot, method] if bot.starts_with("bot") => {
            call(&shared, &bot[3..], method, uri.query(), &headers, &body).await
        }
        [file, bot, path @ ..] if file == "file" && bot.starts_with("bot") && !path.is_empty() => {
            download(&shared, &bot[3..], &path.join("/"))
        }
        _ => ApiReply::not_found().into_response(),
    }
}

fn unauthorized() -> Response {
    ApiReply::Error {
        code: 401,
        description: "Unauthorized".into(),
        parameters: None,
    }
    .into_response()
}

fn download(shared: &Shared, token: &str, path: &str) -> Response {
    if token != TOKEN {
        return unauthorized();
    }
    let mut world = lock(shared);
    let id = world.paths.get(path).cloned();
    let bytes = id.and_then(|id| {
        let file = world.files.get_mut(&id)?;
        // A photo's bytes, as Telegram serves them: an image of the size's dimensions, made
        // on first download.
        if file.bytes.is_none() && matches!(file.kind, FileKind::Photo) {
            let size = file
                .media
                .as_array()
                .and_then(|sizes| sizes.iter().find(|s| s["file_id"] == id.as_str()))?;
            let (w, h) = (size["width"].as_u64()?, size["height"].as_u64()?);
            let image = image::RgbImage::from_pixel(
                u32::try_from(w).ok()?,
                u32::try_from(h).ok()?,
                image::Rgb([240, 240, 235]),
            );
            let mut png = std::io::Cursor::new(Vec::new());
            image.write_to(&mut png, image::ImageFormat::Png).ok()?;
            file.bytes = Some(png.into_inner());
        }
        file.bytes.clone()
    });
    match bytes {
        Some(bytes) => (StatusCode::OK, bytes).into_response(),
        None => ApiReply::not_found().into_response(),
    }
}

/// Telegram's methods the fake implements, in Telegram's spelling.
const METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setMyDescription",
    "setMyShortDescription",
    "setChatMenuButton",
    "sendChatAction",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "getFile",
    "sendInvoice",
    "answerPreCheckoutQuery",
    "refundStarPayment",
    "getStarTransactions",
    "answerInlineQuery",
];

async fn call(
    shared: &Shared,
    token: &str,
    name: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if token != TOKEN {
        return unauthorized();
    }
    // Telegram ignores case in method names; teloxide sends "SendMessage".
    let method = METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |m| (*m).to_owned());
    let (params, uploads) = match decode(query, headers, body) {
        Ok(decoded) => decoded,
        Err(error) => return ApiReply::bad_request(&error).into_response(),
    };
    if method == "getUpdates" {
        return get_updates(shared, &params).await.into_response();
    }
    let (index, fault, delay) = {
        let mut world = lock(shared);
        world.requests.push(Request {
            method: method.clone(),
            body: Value::Object(params.clone()),
            uploads: uploads.clone(),
            reply: None,
            started: Instant::now(),
            finished: None,
        });
        let index = world.requests.len() - 1;
        let chat = number(params.get("chat_id").unwrap_or(&Value::Null));
        let fault = chat.and_then(|chat| {
            world
                .faults
                .get_mut(&chat)
                .and_then(VecDeque::pop_front)
                .or_else(|| world.always.get(&chat).cloned())
        });
        let delay = chat.and_then(|chat| world.delays.get(&chat).copied());
        (index, fault, delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut world = lock(shared);
    let reply = match fault {
        Some(fault) => fault.reply(),
        None if METHODS.contains(&method.as_str()) => world.answer(&method, &params, &uploads),
        None => ApiReply::not_found(),
    };
    let request = &mut world.requests[index];
    request.reply = Some(reply.clone());
    request.finished = Some(Instant::now());
    reply.into_response()
}

async fn get_updates(shared: &Shared, params: &Map<String, Value>) -> ApiReply {
    let offset = params.get("offset").and_then(number).unwrap_or(0);
    let limit = params
        .get("limit")
        .and_then(number)
        .filter(|l| (1..=100).contains(l))
        .unwrap_or(100);
    let timeout = params.get("timeout").and_then(number).unwrap_or(0);
    let wait = Duration::from_secs(u64::try_from(timeout).unwrap_or(0)).min(LONG_POLL_MAX);
    let take = |world: &mut World| -> Vec<Value> {
        // Updates before `offset` are confirmed: Telegram forgets them.
        world
            .updates
            .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
        world
            .updates
            .iter()
            .take(usize::try_from(limit).unwrap_or(100))
            .cloned()
            .collect()
    };
    let notified = shared.queued.notified();
    let batch = take(&mut lock(shared));
    if !batch.is_empty() || wait.is_zero() {
        return ApiReply::Ok(Value::Array(batch));
    }
    let _ = tokio::time::timeout(wait, notified).await;
    ApiReply::Ok(Value::Array(take(&mut lock(shared))))
}

// ----- decoding requests -------------------------------------------------------------

type Params = Map<String, Value>;

fn decode(
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Params, Vec<Upload>), String> {
    let mut params = Params::new();
    if let Some(query) = query {
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            params.insert(k.to_string(), typed(&k, &v));
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut uploads = Vec::new();
    match essence.as_str() {
        _ if body.is_empty() => {}
        "application/json" => match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => params.extend(map),
            Ok(other) => return Err(format!("expected a JSON object, got {other}")),
            Err(error) => return Err(format!("can't parse JSON: {error}")),
        },
        "application/x-www-form-urlencoded" => {
            for (k, v) in url::form_urlencoded::parse(body) {
                params.insert(k.to_string(), typed(&k, &v));
            }
        }
        "multipart/form-data" => {
            let boundary =
                parameter(&content_type, "boundary").ok_or("multipart body without a boundary")?;
            let mut files = Vec::new();
            for part in multipart(body, &boundary)? {
                match part.file_name {
                    None => {
                        let text = String::from_utf8(part.bytes)
                            .map_err(|_| format!("part {} is not UTF-8", part.name))?;
                        params.insert(part.name.clone(), typed(&part.name, &text));
                    }
                    Some(_) => files.push(part),
                }
            }
            for part in files {
                // teloxide names the file's parameter "attach://<part>"; a file sent under
                // the parameter's own name is as good.
                let field = params
                    .iter()
                    .find(|(_, v)| v.as_str() == Some(&format!("attach://{}", part.name)))
                    .map_or_else(|| part.name.clone(), |(k, _)| k.clone());
                uploads.push(Upload {
                    field,
                    file_name: part.file_name,
                    content_type: part.content_type,
                    bytes: part.bytes,
                });
            }
        }
        other => return Err(format!("unsupported content type {other:?}")),
    }
    Ok((params, uploads))
}

/// A form value as the JSON value Telegram reads it as.
fn typed(name: &str, value: &str) -> Value {
    const JSON: &[&str] = &[
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
    ];
    const NUMBERS: &[&str] = &[
        "chat_id",
        "message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
    ];
    const BOOLS: &[&str] = &[
        "show_alert",
        "disable_notification",
        "protect_content",
        "has_spoiler",
        "drop_pending_updates",
        "disable_content_type_detection",
        "show_caption_above_media",
    ];
    if JSON.contains(&name) {
        if let Ok(parsed) = serde_json::from_str(value) {
            return parsed;
        }
    } else if NUMBERS.contains(&name) {
        if let Ok(n) = value.parse::<i64>() {
            return json!(n);
        }
    } else if BOOLS.contains(&name) && (value == "true" || value == "false") {
        return json!(value == "true");
    }
    json!(value)
}

fn number(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// `name=value` (possibly quoted) out of a header like `multipart/form-data; boundary=x`.
fn parameter(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The parts of a `multipart/form-data` body (RFC 7578), enough for what clients send.
fn multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
    let mut at =
        find(body, &delimiter, 0).ok_or("no multipart boundary in the body")? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[at..].starts_with(b"\r\n") {
            return Err("a multipart boundary not followed by CRLF".into());
        }
        let headers_start = at + 2;
        let headers_end =
            find(body, b"\r\n\r\n", headers_start).ok_or("a multipart part without headers")?;
        let headers = std::str::from_utf8(&body[headers_start..headers_end])
            .map_err(|_| "multipart headers are not UTF-8")?;
        let content_start = headers_end + 4;
        let content_end =
            find(body, &next_delimiter, content_start).ok_or("an unterminated multipart part")?;
        let mut name = None;
        let mut file_name = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                let value = format!("x;{}", value.split_once(';').map_or("", |(_, rest)| rest));
                name = parameter(&value, "name");
                file_name = parameter(&value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        parts.push(Part {
            name: name.ok_or("a multipart part without a name")?,
            file_name,
            content_type,
            bytes: body[content_start..content_end].to_vec(),
        });
        at = content_end + next_delimiter.len();
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(u8::try_from(hi * 16 + lo).expect("a byte"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ----- Telegram's side ---------------------------------------------------------------

#[derive(Default)]
struct World {
    /// People seen in updates, by id (for their private chats).
    people: HashMap<i64, Person>,
    chats: HashMap<i64, ChatLog>,
    files: HashMap<String, StoredFile>,
    /// `file_path` (from `getFile`) → file id.
    paths: HashMap<String, String>,
    queries: HashMap<String, Query>,
    updates: VecDeque<Value>,
    last_update_id: i64,
    last_file: u64,
    commands: Value,
    requests: Vec<Request>,
    faults: HashMap<i64, VecDeque<Fault>>,
    always: HashMap<i64, Fault>,
    delays: HashMap<i64, Duration>,
    /// Pre-checkout queries by id, with the bot's answer once given.
    pre_checkouts: HashMap<String, Option<(bool, Option<String>)>>,
    /// Stars payments by charge id.
    charges: HashMap<String, Charge>,
    /// The bot's Star transactions, oldest first (`getStarTransactions`).
    star_transactions: Vec<Value>,
    /// Inline queries by id, with the results the bot answered.
    inline_answers: HashMap<String, Option<Value>>,
}

/// A Stars payment Telegram made.
struct Charge {
    user: i64,
    refunded: bool,
}

#[derive(Default)]
struct ChatLog {
    last_message_id: i32,
    messages: BTreeMap<i32, Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    Photo,
    Document,
}

struct StoredFile {
    kind: FileKind,
    unique_id: String,
    size: u64,
    bytes: Option<Vec<u8>>,
    /// What a message carrying it holds: the `photo` size list or the `document` object.
    media: Value,
    path: Option<String>,
}

struct Query {
    from: Person,
    data: String,
    update: Value,
    answered: bool,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn stale_query() -> ApiReply {
    bad("query is too old and response timeout expired or query id is invalid")
}

/// The id of the query a method answers (`name`), as Telegram refuses a missing one.
fn query_id(params: &Params, name: &str) -> Result<String, ApiReply> {
    params
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(stale_query)
}

/// Records the answer to a known query that was not answered yet; Telegram refuses any
/// other answer as a stale query.
fn answer_once<T>(slots: &mut HashMap<String, Option<T>>, id: &str, answer: T) -> Answer {
    let slot = slots.get_mut(id).ok_or_else(stale_query)?;
    if slot.is_some() {
        return Err(stale_query());
    }
    *slot = Some(answer);
    Ok(json!(true))
}

/// A parameter that holds JSON: sent as a JSON-encoded string (a form) or as JSON itself.
fn json_param(params: &Params, name: &str) -> Value {
    match params.get(name) {
        Some(Value::String(raw)) => serde_json::from_str(raw).unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Shop", "username": BOT_USERNAME})
}

type Answer = Result<Value, ApiReply>;

fn bad(description: &str) -> ApiReply {
    ApiReply::bad_request(description)
}

impl World {
    fn chat_json(&self, id: i64) -> Value {
        if id > 0 {
            let mut chat = json!({"id": id, "type": "private"});
            match self.people.get(&id) {
                Some(person) => {
                    chat["first_name"] = json!(person.first_name);
                    if let Some(username) = &person.username {
                        chat["username"] = json!(username);
                    }
                }
                None => chat["first_name"] = json!("User"),
            }
            chat
        } else if id < -1_000_000_000_000 {
            json!({"id": id, "type": "supergroup", "title": format!("Chat {id}")})
        } else {
            json!({"id": id, "type": "group", "title": format!("Chat {id}")})
        }
    }

    /// Stores a new message in `chat` with the next id; returns it.
    fn post(&mut self, chat: i64, from: Value, content: Map<String, Value>) -> Value {
        let mut message = json!({
            "message_id": 0,
            "date": now(),
            "chat": self.chat_json(chat),
            "from": from,
        });
        let log = self.chats.entry(chat).or_default();
        log.last_message_id += 1;
        message["message_id"] = json!(log.last_message_id);
        let object = message.as_object_mut().expect("an object");
        object.extend(content);
        log.messages.insert(log.last_message_id, message.clone());
        message
    }

    fn next_update(&mut self, kind: &str, payload: Value) -> Value {
        self.last_update_id += 1;
        json!({"update_id": self.last_update_id, kind: payload})
    }

    fn arrive(&mut self, incoming: &Incoming) -> Value {
        let from = incoming.from().clone();
        let chat = from.chat();
        self.people.insert(chat, from.clone());
        let mut content = Map::new();
        match incoming {
            Incoming::Text { text, .. } => {
                content.insert("text".into(), json!(text));
                if let Some(command) = text.strip_prefix('/') {
                    let word = command.split_whitespace().next().unwrap_or("");
                    content.insert(
                        "entities".into(),
                        json!([{"type": "bot_command", "offset": 0,
                                "length": 1 + word.encode_utf16().count()}]),
                    );
                }
            }
            Incoming::Photo {
                picture, caption, ..
            } => {
                content.insert("photo".into(), self.store_picture(picture));
                if let Some(caption) = caption {
                    content.insert("caption".into(), json!(caption));
                }
            }
            Incoming::Document {
                file_name,
                mime_type,
                bytes,
                caption,
                ..
            } => {
                let document = self.store_document(file_name, mime_type, bytes.clone());
                content.insert("document".into(), document);
                if let Some(caption) = caption {
                    content.insert("caption".into(), json!(caption));
                }
            }
            Incoming::Inline {
                query_id, query, ..
            } => {
                self.inline_answers.entry(query_id.clone()).or_insert(None);
                let inline = json!({
                    "id": query_id,
                    "from": from.json(),
                    "query": query,
                    "offset": "",
                });
                return self.next_update("inline_query", inline);
            }
            Incoming::InGroup {
                chat: group, text, ..
            } => {
                let mut content = Map::new();
                content.insert("text".into(), json!(text));
                if let Some(command) = text.strip_prefix('/') {
                    let word = command.split_whitespace().next().unwrap_or("");
                    content.insert(
                        "entities".into(),
                        json!([{"type": "bot_command", "offset": 0,
                                "length": 1 + word.encode_utf16().count()}]),
                    );
                }
                let message = self.post(*group, from.json(), content);
                return self.next_update("message", message);
            }
            Incoming::PreCheckout {
                query_id,
                payload,
                amount,
                currency,
                ..
            } => {
                self.pre_checkouts.entry(query_id.clone()).or_insert(None);
                let query = json!({
                    "id": query_id,
                    "from": from.json(),
                    "currency": currency,
                    "total_amount": amount,
                    "invoice_payload": payload,
                });
                return self.next_update("pre_checkout_query", query);
            }
            Incoming::StarPayment {
                payload,
                amount,
                charge_id,
                ..
            } => {
                self.record_star_payment(&from, payload, *amount, charge_id);
                content.insert(
                    "successful_payment".into(),
                    json!({
                        "currency": "XTR",
                        "total_amount": amount,
                        "invoice_payload": payload,
                        "telegram_payment_charge_id": charge_id,
                        "provider_payment_charge_id": "",
                    }),
                );
            }
            Incoming::Tap { query_id, data, .. } => {
                if let Some(earlier) = self.queries.get(query_id) {
                    assert!(
                        earlier.from == from && &earlier.data == data,
                        "callback query {query_id:?} was a tap on {:?} by {}; a different tap \
                         needs its own id",
                        earlier.data,
                        earlier.from.id
                    );
                    return earlier.update.clone();
                }
                // The button was on a message the bot sent earlier.
                let mut screen = Map::new();
                screen.insert("text".into(), json!("an earlier screen"));
                screen.insert(
                    "reply_markup".into(),
                    json!({"inline_keyboard": [[{"text": "the button", "callback_data": data}]]}),
                );
                let message = self.post(chat, bot_user(), screen);
                let query = json!({
                    "id": query_id,
                    "from": from.json(),
                    "message": message,
                    "chat_instance": format!("instance-{chat}"),
                    "data": data,
                });
                let update = self.next_update("callback_query", query);
                self.queries.insert(
                    query_id.clone(),
                    Query {
                        from,
                        data: data.clone(),
                        update: update.clone(),
                        answered: false,
                    },
                );
                return update;
            }
        }
        let message = self.post(chat, from.json(), content);
        self.next_update("message", message)
    }

    /// The sizes of a picture a person sent, each stored as a photo file.
    fn store_picture(&mut self, picture: &str) -> Value {
        let sizes: Vec<Value> = PICTURE_SIZES
            .iter()
            .map(|&(w, h)| {
                json!({
                    "file_id": size_file_id(picture, w, h),
                    "file_unique_id": size_unique_id(picture, w, h),
                    "file_size": u64::from(w * h) / 8,
                    "width": w,
                    "height": h,
                })
            })
            .collect();
        self.store_sizes(&sizes);
        Value::Array(sizes)
    }

    fn store_sizes(&mut self, sizes: &[Value]) {
        for size in sizes {
            let id = size["file_id"].as_str().expect("file id").to_owned();
            self.files.entry(id).or_insert_with(|| StoredFile {
                kind: FileKind::Photo,
                unique_id: size["file_unique_id"].as_str().expect("unique").to_owned(),
                size: size["file_size"].as_u64().unwrap_or(0),
                bytes: None,
                media: Value::Array(sizes.to_vec()),
                path: None,
            });
        }
    }

    fn store_document(&mut self, file_name: &str, mime_type: &str, bytes: Vec<u8>) -> Value {
        self.last_file += 1;
        let n = self.last_file;
        let document = json!({
            "file_id": format!("BQACAgQ-document-{n}"),
            "file_unique_id": format!("AgAD-document-{n}"),
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": bytes.len(),
        });
        self.files.insert(
            format!("BQACAgQ-document-{n}"),
            StoredFile {
                kind: FileKind::Document,
                unique_id: format!("AgAD-document-{n}"),
                size: bytes.len() as u64,
                bytes: Some(bytes),
                media: document.clone(),
                path: None,
            },
        );
        document
    }

    /// A photo the bot uploaded: Telegram keeps the original (up to 1280 on its long side)
    /// and smaller copies.
    fn store_uploaded_photo(&mut self, upload: &Upload) -> Value {
        self.last_file += 1;
        let n = self.last_file;
        let (width, height) = png_size(&upload.bytes).unwrap_or((1280, 720));
        let mut sizes = Vec::new();
        for side in [90, 320, 800, 1280] {
            let long = width.max(height);
            let (w, h) = if long <= side {
                (width, height)
            } else {
                (width * side / long, height * side / long)
            };
            if sizes
                .iter()
                .any(|s: &Value| s["width"] == json!(w) && s["height"] == json!(h))
            {
                continue;
            }
            sizes.push(json!({
                "file_id": format!("AgACAgQ-upload-{n}-{w}x{h}"),
                "file_unique_id": format!("AQAD-upload-{n}-{w}x{h}"),
                "file_size": (upload.bytes.len() as u64 * u64::from(w * h)
                    / u64::from((width * height).max(1))).max(1),
                "width": w,
                "height": h,
            }));
        }
        self.store_sizes(&sizes);
        Value::Array(sizes)
    }

    fn target_chat(&self, params: &Params) -> Result<i64, ApiReply> {
        match params.get("chat_id").and_then(number) {
            Some(id) if id != 0 => Ok(id),
            _ => Err(bad("chat not found")),
        }
    }

    /// The inline keyboard of a request, checked as Telegram checks it; other keyboards are
    /// accepted but, as on Telegram, not part of the message.
    fn inline_markup(params: &Params) -> Result<Option<Value>, ApiReply> {
        let Some(markup) = params.get("reply_markup") else {
            return Ok(None);
        };
        let Some(rows) = markup.get("inline_keyboard") else {
            return Ok(None);
        };
        let rows = rows
            .as_array()
            .ok_or_else(|| bad("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays"))?;
        for button in rows.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
            if button["text"].as_str().is_none_or(str::is_empty) {
                return Err(bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                ));
            }
            match button.get("callback_data").and_then(Value::as_str) {
                Some(data) if data.is_empty() || data.len() > CALLBACK_DATA_BYTES_MAX => {
                    return Err(bad("BUTTON_DATA_INVALID"));
                }
                Some(_) => {}
                None if button.get("url").is_some()
                    || button.get("switch_inline_query").is_some()
                    || button.get("copy_text").is_some() => {}
                None => {
                    return Err(bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                    ));
                }
            }
        }
        Ok(Some(markup.clone()))
    }

    fn text_of<'a>(params: &'a Params, too_long: &str) -> Result<&'a str, ApiReply> {
        let text = params.get("text").and_then(Value::as_str).unwrap_or("");
        if text.trim().is_empty() {
            return Err(bad("message text is empty"));
        }
        if text.chars().count() > TEXT_CHARS_MAX {
            return Err(bad(too_long));
        }
        Ok(text)
    }

    fn caption_of(params: &Params) -> Result<Option<&str>, ApiReply> {
        let caption = params.get("caption").and_then(Value::as_str);
        if caption.is_some_and(|c| c.chars().count() > CAPTION_CHARS_MAX) {
            return Err(bad("message caption is too long"));
        }
        Ok(caption.filter(|c| !c.is_empty()))
    }

    /// The file a `photo`/`document` parameter names: an upload in this request, or a file id
    /// Telegram issued for a file of the same kind.
    fn media(
        &mut self,
        kind: FileKind,
        param: &str,
        params: &Params,
        uploads: &[Upload],
    ) -> Result<Value, ApiReply> {
        if let Some(upload) = uploads.iter().find(|u| u.field == param) {
            let limit = match kind {
                FileKind::Photo => PHOTO_BYTES_MAX,
                FileKind::Document => DOCUMENT_BYTES_MAX,
            };
            if upload.bytes.is_empty() {
                return Err(bad("file must be non-empty"));
            }
            if upload.bytes.len() > limit {
                return Err(ApiReply::Error {
                    code: 413,
                    description: "Request Entity Too Large".into(),
                    parameters: None,
                });
            }
            return Ok(match kind {
                FileKind::Photo => self.store_uploaded_photo(upload),
                FileKind::Document => self.store_document(
                    upload.file_name.as_deref().unwrap_or("document"),
                    upload
                        .content_type
                        .as_deref()
                        .unwrap_or("application/octet-stream"),
                    upload.bytes.clone(),
                ),
            });
        }
        let Some(id) = params.get(param).and_then(Value::as_str) else {
            return Err(bad(&format!("there is no {param} in the request")));
        };
        if id.starts_with("attach://") {
            return Err(bad(&format!(
                "file of the {param} parameter is not attached"
            )));
        }
        let Some(file) = self.files.get(id) else {
            return Err(bad("wrong file identifier/HTTP URL specified"));
        };
        if file.kind != kind {
            return Err(bad("type of file mismatch"));
        }
        Ok(file.media.clone())
    }

    fn stored_message(
        &self,
        params: &Params,
        not_found: &str,
    ) -> Result<(i64, i32, Value), ApiReply> {
        let chat = self.target_chat(params)?;
        let id = params
            .get("message_id")
            .and_then(number)
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| bad("message identifier is not specified"))?;
        let message = self
            .chats
            .get(&chat)
            .and_then(|c| c.messages.get(&id))
            .cloned()
            .ok_or_else(|| bad(not_found))?;
        Ok((chat, id, message))
    }

    fn edit(
        &mut self,
        params: &Params,
        change: impl FnOnce(&mut Value) -> Result<(), ApiReply>,
    ) -> Answer {
        if params.contains_key("inline_message_id") {
            return Err(bad("the fake holds no inline messages"));
        }
        let (chat, id, mut message) = self.stored_message(params, "message to edit not found")?;
        if message["from"]["id"] != json!(BOT_ID) {
            return Err(bad("message can't be edited"));
        }
        let before = message.clone();
        change(&mut message)?;
        if message == before {
            return Err(bad(
                "message is not modified: specified new message content and reply markup are \
                 exactly the same as a current content and reply markup of the message",
            ));
        }
        message["edit_date"] = json!(now());
        self.chats
            .get_mut(&chat)
            .expect("the chat")
            .messages
            .insert(id, message.clone());
        Ok(message)
    }

    fn answer(&mut self, method: &str, params: &Params, uploads: &[Upload]) -> ApiReply {
        let answer = match method {
            "getMe" => Ok(json!({
                "id": BOT_ID, "is_bot": true, "first_name": "Shop", "username": BOT_USERNAME,
                "can_join_groups": true, "can_read_all_group_messages": false,
                "supports_inline_queries": false, "can_connect_to_business": false,
                "has_main_web_app": false,
            })),
            "deleteWebhook"
            | "setMyDescription"
            | "setMyShortDescription"
            | "setChatMenuButton" => Ok(json!(true)),
            "setWebhook" => match params.get("url").and_then(Value::as_str) {
                Some(url) if url.is_empty() || url.starts_with("https://") => Ok(json!(true)),
                _ => Err(bad(
                    "bad webhook: An HTTPS URL must be provided for webhook",
                )),
            },
            "getWebhookInfo" => Ok(json!({
                "url": "", "has_custom_certificate": false, "pending_update_count": self.updates.len(),
            })),
            "setMyCommands" => {
                self.commands = params.get("commands").cloned().unwrap_or(json!([]));
                Ok(json!(true))
            }
            "getMyCommands" => Ok(if self.commands.is_null() {
                json!([])
            } else {
                self.commands.clone()
            }),
            "deleteMyCommands" => {
                self.commands = json!([]);
                Ok(json!(true))
            }
            "sendChatAction" => self.target_chat(params).map(|_| json!(true)),
            "sendMessage" => self.send_message(params),
            "sendPhoto" => self.send_media(FileKind::Photo, params, uploads),
            "sendDocument" => self.send_media(FileKind::Document, params, uploads),
            "editMessageText" => self.edit_text(params),
            "editMessageReplyMarkup" => {
                let markup = Self::inline_markup(params);
                self.edit(params, |message| {
                    set_markup(message, markup?);
                    Ok(())
                })
            }
            "deleteMessage" => self.delete_message(params),
            "answerCallbackQuery" => self.answer_query(params),
            "getFile" => self.get_file(params),
            "sendInvoice" => self.send_invoice(params),
            "answerPreCheckoutQuery" => self.answer_pre_checkout(params),
            "refundStarPayment" => self.refund_star_payment(params),
            "getStarTransactions" => self.star_transactions(params),
            "answerInlineQuery" => self.answer_inline(params),
            other => unreachable!("{other} is in METHODS but not answered"),
        };
        match answer {
            Ok(result) => ApiReply::Ok(result),
            Err(error) => error,
        }
    }

    fn send_message(&mut self, params: &Params) -> Answer {
        let chat = self.target_chat(params)?;
        let text = Self::text_of(params, "message is too long")?.to_owned();
        let markup = Self::inline_markup(params)?;
        let mut content = Map::new();
        content.insert("text".into(), json!(text));
        if let Some(markup) = markup {
            content.insert("reply_markup".into(), markup);
        }
        Ok(self.post(chat, bot_user(), content))
    }

    fn send_media(&mut self, kind: FileKind, params: &Params, uploads: &[Upload]) -> Answer {
        let chat = self.target_chat(params)?;
        let caption = Self::caption_of(params)?.map(str::to_owned);
        let markup = Self::inline_markup(params)?;
        let param = match kind {
            FileKind::Photo => "photo",
            FileKind::Document => "document",
        };
        let media = self.media(kind, param, params, uploads)?;
        let mut content = Map::new();
        content.insert(param.into(), media);
        if let Some(caption) = caption {
            content.insert("caption".into(), json!(caption));
        }
        if let Some(markup) = markup {
            content.insert("reply_markup".into(), markup);
        }
        Ok(self.post(chat, bot_user(), content))
    }

    fn edit_text(&mut self, params: &Params) -> Answer {
        let text = Self::text_of(params, "MESSAGE_TOO_LONG")?.to_owned();
        let markup = Self::inline_markup(params)?;
        self.edit(params, |message| {
            if message.get("text").is_none() {
                return Err(bad("there is no text in the message to edit"));
            }
            message["text"] = json!(text);
            // Telegram keeps only what the edit says: no markup means none.
            set_markup(message, markup);
            Ok(())
        })
    }

    fn delete_message(&mut self, params: &Params) -> Answer {
        let (chat, id, message) = self.stored_message(params, "message to delete not found")?;
        // In a group the bot may delete its own messages (it is no admin here); in a private
        // chat, anyone's.
        if chat < 0 && message["from"]["id"] != json!(BOT_ID) {
            return Err(bad("message can't be deleted"));
        }
        self.chats
            .get_mut(&chat)
            .expect("the chat")
            .messages
            .remove(&id);
        Ok(json!(true))
    }

    /// A Stars payment Telegram made: a refundable charge and an incoming transaction.
    fn record_star_payment(&mut self, from: &Person, payload: &str, amount: u32, charge: &str) {
        if self.charges.contains_key(charge) {
            return;
        }
        self.charges.insert(
            charge.to_owned(),
            Charge {
                user: from.chat(),
                refunded: false,
            },
        );
        self.star_transactions.push(json!({
            "id": charge,
            "amount": amount,
            "date": now(),
            "source": {
                "type": "user",
                "transaction_type": "invoice_payment",
                "user": from.json(),
                "invoice_payload": payload,
            },
        }));
    }

    /// `answerInlineQuery`, as Telegram checks it: a known, unanswered query; at most 50
    /// results, each with an id of 1-64 bytes, a title, and a message of 1-4096 characters.
    fn answer_inline(&mut self, params: &Params) -> Answer {
        let id = query_id(params, "inline_query_id")?;
        let results = json_param(params, "results");
        let list = results.as_array().ok_or_else(|| bad("RESULTS_INVALID"))?;
        if list.len() > 50 {
            return Err(bad("RESULTS_TOO_MUCH"));
        }
        for r in list {
            let rid = r.get("id").and_then(Value::as_str).unwrap_or("");
            let text = r
                .pointer("/input_message_content/message_text")
                .and_then(Value::as_str)
                .unwrap_or("");
            if rid.is_empty() || rid.len() > 64 {
                return Err(bad("RESULT_ID_INVALID"));
            }
            if r.get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                return Err(bad("RESULT_TITLE_EMPTY"));
            }
            if text.is_empty() || text.chars().count() > 4096 {
                return Err(bad("MESSAGE_EMPTY"));
            }
        }
        answer_once(&mut self.inline_answers, &id, results)
    }

    /// `getStarTransactions`: `offset` transactions skipped, at most `limit` (1-100).
    fn star_transactions(&self, params: &Params) -> Answer {
        let number = |name: &str, default: u64| {
            params
                .get(name)
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(default)
        };
        let limit = number("limit", 100);
        if !(1..=100).contains(&limit) {
            return Err(bad("LIMIT_INVALID"));
        }
        let offset = usize::try_from(number("offset", 0)).unwrap_or(usize::MAX);
        let page: Vec<Value> = self
            .star_transactions
            .iter()
            .skip(offset)
            .take(usize::try_from(limit).unwrap_or(100))
            .cloned()
            .collect();
        Ok(json!({"transactions": page}))
    }

    /// `sendInvoice`, as Telegram checks it for Stars (`XTR`): a title of 1-32 characters, a
    /// description of 1-255, a payload of 1-128 bytes, no provider token, exactly one price
    /// of at least one star.
    fn send_invoice(&mut self, params: &Params) -> Answer {
        let chat = self.target_chat(params)?;
        let text = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or("");
        let title = text("title");
        let description = text("description");
        let payload = text("payload");
        if title.is_empty() || title.chars().count() > 32 {
            return Err(bad("INVOICE_TITLE_INVALID"));
        }
        if description.is_empty() || description.chars().count() > 255 {
            return Err(bad("INVOICE_DESCRIPTION_INVALID"));
        }
        if payload.is_empty() || payload.len() > 128 {
            return Err(bad("INVOICE_PAYLOAD_INVALID"));
        }
        if text("currency") != "XTR" {
            return Err(bad("CURRENCY_INVALID"));
        }
        if !text("provider_token").is_empty() {
            return Err(bad("PROVIDER_TOKEN_INVALID"));
        }
        let prices = json_param(params, "prices");
        let amount = match prices.as_array().map(Vec::as_slice) {
            Some([price]) => price.get("amount").and_then(Value::as_u64).unwrap_or(0),
            _ => return Err(bad("STARS_INVOICE_INVALID")),
        };
        if amount == 0 {
            return Err(bad("CURRENCY_TOTAL_AMOUNT_INVALID"));
        }
        let mut content = Map::new();
        content.insert(
            "invoice".into(),
            json!({
                "title": title,
                "description": description,
                "start_parameter": "",
                "currency": "XTR",
                "total_amount": amount,
                "payload": payload,
            }),
        );
        Ok(self.post(chat, bot_user(), content))
    }

    fn answer_pre_checkout(&mut self, params: &Params) -> Answer {
        let id = query_id(params, "pre_checkout_query_id")?;
        let ok = match params.get("ok") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => return Err(bad("ok must be given")),
        };
        let message = params
            .get("error_message")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if !ok && message.as_deref().is_none_or(str::is_empty) {
            return Err(bad("ERROR_MESSAGE_EMPTY"));
        }
        answer_once(&mut self.pre_checkouts, &id, (ok, message))
    }

    fn refund_star_payment(&mut self, params: &Params) -> Answer {
        let user = params
            .get("user_id")
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(0);
        let id = params
            .get("telegram_payment_charge_id")
            .and_then(Value::as_str)
            .unwrap_or("");
        let charge = self
            .charges
            .get_mut(id)
            .filter(|c| c.user == user)
            .ok_or_else(|| bad("CHARGE_NOT_FOUND"))?;
        if charge.refunded {
            return Err(bad("CHARGE_ALREADY_REFUNDED"));
        }
        charge.refunded = true;
        Ok(json!(true))
    }

    fn answer_query(&mut self, params: &Params) -> Answer {
        let invalid =
            || bad("query is too old and response timeout expired or query id is invalid");
        let id = params
            .get("callback_query_id")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let text = params.get("text").and_then(Value::as_str).unwrap_or("");
        if text.chars().count() > ANSWER_CHARS_MAX {
            return Err(bad("MESSAGE_TOO_LONG"));
        }
        let query = self.queries.get_mut(id).ok_or_else(invalid)?;
        if query.answered {
            return Err(invalid());
        }
        query.answered = true;
        Ok(json!(true))
    }

    fn get_file(&mut self, params: &Params) -> Answer {
        let id = params
            .get("file_id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("invalid file id"))?
            .to_owned();
        let file = self.files.get(&id).ok_or_else(|| bad("invalid file id"))?;
        if file.size > DOWNLOAD_BYTES_MAX {
            return Err(bad("file is too big"));
        }
        let (unique_id, size) = (file.unique_id.clone(), file.size);
        let path = match &file.path {
            Some(path) => path.clone(),
            None => {
                let path = match file.kind {
                    FileKind::Photo => format!("photos/file_{}.jpg", self.last_file + 1),
                    FileKind::Document => {
                        let extension = file.media["file_name"]
                            .as_str()
                            .and_then(|n| n.rsplit_once('.'))
                            .map_or(String::new(), |(_, e)| format!(".{e}"));
                        format!("documents/file_{}{extension}", self.last_file + 1)
                    }
                };
                self.last_file += 1;
                self.paths.insert(path.clone(), id.clone());
                if let Some(file) = self.files.get_mut(&id) {
                    file.path = Some(path.clone());
                }
                path
            }
        };
        Ok(json!({
            "file_id": id,
            "file_unique_id": unique_id,
            "file_size": size,
            "file_path": path,
        }))
    }
}

fn set_markup(message: &mut Value, markup: Option<Value>) {
    let object = message.as_object_mut().expect("a message is an object");
    match markup {
        Some(markup) => {
            object.insert("reply_markup".into(), markup);
        }
        None => {
            object.remove("reply_markup");
        }
    }
}

/// Width and height from a PNG's header.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || !bytes.starts_with(SIGNATURE) || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    (width > 0 && height > 0).then_some((width, height))
}
