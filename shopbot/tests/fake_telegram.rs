//! The fake Bot API of `common::telegram` answers as Telegram does. Each check goes through
//! teloxide's own client, so a refusal must arrive as the `ApiError` teloxide has for
//! Telegram's wording, and a result must parse as teloxide's types. Last, the harness of
//! `common::harness` fails a test loudly where teloxide's dispatcher would only log.

use crate::common::TestBot;
use crate::common::telegram::{BOT_ID, BOT_USERNAME, FakeTelegram, Fault, Incoming, Person};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
    MessageEntityKind, MessageId, UpdateKind,
};
use teloxide::{ApiError, RequestError};

fn keyboard(data: &str) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Go", data)]])
}

fn api_error<T: std::fmt::Debug>(result: Result<T, RequestError>) -> ApiError {
    match result {
        Err(RequestError::Api(error)) => error,
        other => panic!("expected Telegram to refuse, got {other:?}"),
    }
}

/// The header of a PNG `width` × `height` (enough for the fake to read its size).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

#[tokio::test]
async fn messages_are_numbered_per_chat_and_edits_follow_telegrams_rules() {
    let tg = FakeTelegram::start();
    let bot = tg.bot();
    let me = bot.get_me().await.expect("getMe");
    assert_eq!(me.id.0, BOT_ID);
    assert_eq!(me.username(), BOT_USERNAME);

    let a1 = bot
        .send_message(ChatId(10), "one")
        .reply_markup(keyboard("x"))
        .await
        .expect("send");
    let a2 = bot.send_message(ChatId(10), "two").await.expect("send");
    let b1 = bot
        .send_message(ChatId(-20), "to a group")
        .await
        .expect("send");
    assert_eq!(
        (a1.id, a2.id, b1.id),
        (MessageId(1), MessageId(2), MessageId(1))
    );
    assert!(a1.chat.is_private() && b1.chat.is_group());
    assert_eq!(a1.from.as_ref().map(|u| u.id.0), Some(BOT_ID));
    assert_eq!(a1.text(), Some("one"));
    assert_eq!(a1.reply_markup(), Some(&keyboard("x")));
    assert_eq!(a2.reply_markup(), None);

    // The same text and keyboard again change nothing.
    let same = bot
        .edit_message_text(ChatId(10), a1.id, "one")
        .reply_markup(keyboard("x"))
        .await;
    assert_eq!(api_error(same), ApiError::MessageNotModified);
    // The same text without the keyboard is a change: the keyboard goes.
    let edited = bot
        .edit_message_text(ChatId(10), a1.id, "one")
        .await
        .expect("edit");
    assert_eq!(edited.reply_markup(), None);
    assert!(edited.edit_date().is_some());
    assert_eq!(
        tg.message(10, 1).expect("held")["reply_markup"],
        serde_json::Value::Null
    );

    // A message that isn't there; one the bot didn't write.
    let missing = bot.edit_message_text(ChatId(10), MessageId(99), "x").await;
    assert_eq!(api_error(missing), ApiError::MessageToEditNotFound);
    let update = tg.arrive(&Incoming::text(Person::new(10, "Sam", "en"), "hi"));
    assert_eq!(
        update["message"]["message_id"], 3,
        "the person's message takes the chat's next id"
    );
    let theirs = bot.edit_message_text(ChatId(10), MessageId(3), "x").await;
    assert_eq!(api_error(theirs), ApiError::MessageCantBeEdited);

    // Texts: not empty, at most 4096 characters (not bytes); callback data at most 64 bytes.
    let empty = bot.send_message(ChatId(10), "  ").await;
    assert_eq!(api_error(empty), ApiError::MessageTextIsEmpty);
    let long = bot.send_message(ChatId(10), "x".repeat(4097)).await;
    assert_eq!(api_error(long), ApiError::MessageIsTooLong);
    bot.send_message(ChatId(10), "ب".repeat(4096))
        .await
        .expect("4096 characters");
    let data = bot
        .send_message(ChatId(10), "x")
        .reply_markup(keyboard(&"d".repeat(65)))
        .await;
    assert_eq!(api_error(data), ApiError::ButtonDataInvalid);

    // In a private chat the bot may delete the person's messages, once.
    bot.delete_message(ChatId(10), MessageId(3))
        .await
        .expect("delete");
    let again = bot.delete_message(ChatId(10), MessageId(3)).await;
    assert_eq!(api_error(again), ApiError::MessageToDeleteNotFound);

    // Every request is recorded with its parsed body and its answer.
    let requests = tg.requests();
    let first = requests
        .iter()
        .find(|r| r.method == "sendMessage")
        .expect("recorded");
    assert_eq!(first.body["chat_id"], 10);
    assert_eq!(first.body["text"], "one");
    assert_eq!(
        first.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "x"
    );
    assert_eq!(first.result().expect("ok")["message_id"], 1);
    assert!(
        requests
            .iter()
            .any(|r| r.error() == Some("Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"))
    );
}

#[tokio::test]
async fn a_callback_query_is_answered_once() {
    let tg = FakeTelegram::start();
    let bot = tg.bot();
    let sam = Person::new(10, "Sam", "en");
    let update = tg.arrive(&Incoming::tap(sam.clone(), "go", "q1"));
    let query = &update["callback_query"];
    assert_eq!(query["data"], "go");
    assert_eq!(
        query["message"]["from"]["id"], BOT_ID,
        "the button was on a message the bot sent"
    );
    assert_eq!(
        query["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "go"
    );
    // Telegram delivering the same tap again: the same update.
    assert_eq!(tg.arrive(&Incoming::tap(sam.clone(), "go", "q1")), update);

    let id = |s: &str| CallbackQueryId(s.to_owned());
    let long = bot
        .answer_callback_query(id("q1"))
        .text("x".repeat(201))
        .await;
    assert!(long.is_err(), "a notice over 200 characters: {long:?}");
    assert!(!tg.answered("q1"));
    bot.answer_callback_query(id("q1"))
        .text("Saved")
        .await
        .expect("answer");
    assert!(tg.answered("q1"));
    let twice = bot.answer_callback_query(id("q1")).await;
    assert_eq!(api_error(twice), ApiError::InvalidQueryId);
    let unknown = bot.answer_callback_query(id("never-sent")).await;
    assert_eq!(api_error(unknown), ApiError::InvalidQueryId);
}

#[tokio::test]
async fn files_go_up_as_multipart_come_back_by_id_and_download() {
    let tg = FakeTelegram::start();
    let bot = tg.bot();
    let image = png(640, 480);
    let sent = bot
        .send_photo(
            ChatId(10),
            InputFile::memory(image.clone()).file_name("chart.png"),
        )
        .caption("Revenue")
        .reply_markup(keyboard("x"))
        .await
        .expect("sendPhoto");
    assert_eq!(sent.caption(), Some("Revenue"));
    assert_eq!(sent.reply_markup(), Some(&keyboard("x")));
    let sizes = sent.photo().expect("photo sizes");
    let largest = sizes.last().expect("a size");
    assert_eq!((largest.width, largest.height), (640, 480));
    assert_eq!((sizes[0].width, sizes[0].height), (90, 67));
    // The multipart request, as recorded.
    let request = tg.requests().pop().expect("recorded");
    assert_eq!(request.method, "sendPhoto");
    assert_eq!(request.body["chat_id"], 10);
    assert_eq!(request.body["caption"], "Revenue");
    assert_eq!(
        request.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "x"
    );
    assert_eq!(request.uploads.len(), 1);
    assert_eq!(request.uploads[0].field, "photo");
    assert_eq!(request.uploads[0].file_name.as_deref(), Some("chart.png"));
    assert_eq!(request.uploads[0].bytes, image);

    // By file id: again as a photo, but not as a document; an id Telegram never issued fails.
    let again = bot
        .send_photo(ChatId(11), InputFile::file_id(largest.file.id.clone()))
        .await
        .expect("the same photo by id");
    assert_eq!(
        again
            .photo()
            .expect("sizes")
            .last()
            .expect("a size")
            .file
            .unique_id,
        largest.file.unique_id
    );
    let as_document = bot
        .send_document(ChatId(11), InputFile::file_id(largest.file.id.clone()))
        .await;
    assert_eq!(
        api_error(as_document),
        ApiError::Unknown("Bad Request: type of file mismatch".into())
    );
    let unknown = bot
        .send_photo(ChatId(11), InputFile::file_id(FileId("AgAC-never".into())))
        .await;
    assert_eq!(api_error(unknown), ApiError::WrongFileIdOrUrl);

    // A document a person sent: getFile, then the download, give its bytes.
    let update = tg.arrive(&Incoming::document(
        Person::new(10, "Sam", "en"),
        "codes.txt",
        "text/plain",
        b"A\nB",
    ));
    let id = update["message"]["document"]["file_id"]
        .as_str()
        .expect("file id");
    let file = bot.get_file(FileId(id.to_owned())).await.expect("getFile");
    assert_eq!(file.size, 3);
    assert!(file.path.ends_with(".txt"), "{}", file.path);
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes)
        .await
        .expect("download");
    assert_eq!(bytes, b"A\nB");

    // Another bot's token is not let in.
    let stranger = Bot::new("999:someone-else").set_api_url(tg.url());
    assert_eq!(api_error(stranger.get_me().await), ApiError::InvalidToken);
}

#[tokio::test]
async fn scripted_faults_arrive_as_teloxides_errors() {
    let tg = FakeTelegram::start();
    let bot = tg.bot();
    tg.fail_next(10, [Fault::Blocked, Fault::RetryAfter(3)]);
    tg.fail_always(-30, Fault::Migrated(-1_000_000_000_030));
    tg.fail_always(-40, Fault::Kicked);
    let blocked = bot.send_message(ChatId(10), "first").await;
    assert_eq!(api_error(blocked), ApiError::BotBlocked);
    match bot.send_message(ChatId(10), "second").await {
        Err(RequestError::RetryAfter(wait)) => assert_eq!(wait.seconds(), 3),
        other => panic!("expected a flood wait, got {other:?}"),
    }
    bot.send_message(ChatId(10), "third")
        .await
        .expect("the script is used up");
    for _ in 0..2 {
        match bot.send_message(ChatId(-30), "to the old group").await {
            Err(RequestError::MigrateToChatId(to)) => {
                assert_eq!(to, ChatId(-1_000_000_000_030));
            }
            other => panic!("expected a migration, got {other:?}"),
        }
    }
    assert!(bot.send_message(ChatId(-40), "x").await.is_err());
    assert_eq!(tg.delivered_to(10), vec!["third".to_owned()]);
    assert_eq!(tg.calls_to("sendMessage", 10), 3);
}

#[tokio::test]
async fn get_updates_returns_what_people_did_until_it_is_confirmed() {
    let tg = FakeTelegram::start();
    let bot = tg.bot();
    tg.user_says(10, "/start now");
    tg.user_says(11, "hello");
    let batch = bot.get_updates().await.expect("getUpdates");
    assert_eq!(batch.len(), 2);
    let UpdateKind::Message(start) = &batch[0].kind else {
        panic!("a message: {:?}", batch[0]);
    };
    assert_eq!(start.text(), Some("/start now"));
    let entity = &start.entities().expect("entities")[0];
    assert_eq!(
        (entity.kind.clone(), entity.offset, entity.length),
        (MessageEntityKind::BotCommand, 0, 6)
    );
    // Not confirmed yet: the same updates again.
    assert_eq!(bot.get_updates().await.expect("again").len(), 2);
    // An offset past them confirms them; a long poll with nothing new comes back empty.
    let next = i32::try_from(batch[1].id.0).expect("id") + 1;
    let started = std::time::Instant::now();
    let empty = bot
        .get_updates()
        .offset(next)
        .timeout(10)
        .await
        .expect("poll");
    assert!(empty.is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        bot.get_updates()
            .await
            .expect("after confirming")
            .is_empty()
    );
}

/// A tree whose message handler fails and whose tap handler never answers.
fn careless_tree() -> teloxide::dispatching::UpdateHandler<shopbot::BotError> {
    teloxide::dptree::entry()
        .branch(
            Update::filter_message().endpoint(|| async {
                Err::<(), shopbot::BotError>("the database is on fire".into())
            }),
        )
        .branch(Update::filter_callback_query().endpoint(|| async { Ok(()) }))
}

#[tokio::test]
#[should_panic(expected = "failed: the database is on fire")]
async fn the_harness_fails_the_test_on_a_handler_error() {
    let mut bot = TestBot::new(careless_tree(), teloxide::dptree::deps![]);
    bot.step(Incoming::text(Person::new(10, "Sam", "en"), "hi"))
        .await;
}

#[tokio::test]
#[should_panic(expected = "was never answered")]
async fn the_harness_fails_the_test_on_a_tap_left_spinning() {
    let mut bot = TestBot::new(careless_tree(), teloxide::dptree::deps![]);
    bot.step(Incoming::tap(Person::new(10, "Sam", "en"), "go", "q1"))
        .await;
}
