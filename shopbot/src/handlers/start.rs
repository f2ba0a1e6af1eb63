//! `/start`, the main menu, help, and what to say to input the bot did not expect.

use super::Env;
use crate::HandlerResult;
use crate::render;

/// `/start`: the shopper was registered (or refreshed) on the way in; any conversation in
/// progress is dropped; the greeting and main menu are shown.
pub async fn start(env: &Env) -> HandlerResult {
    env.reset().await?;
    menu(env).await
}

/// `/start r<id>`: a shopper arriving through user `id`'s referral link. A new shopper is
/// attributed (and told); anyone else just gets the menu — the core decides who is new.
pub async fn start_referred(env: &Env, referrer: shopcore::UserId) -> HandlerResult {
    env.reset().await?;
    let actor = env.actor.clone();
    let attributed = crate::core::run(&env.shop, move |shop| {
        shop.attribute_referral(&actor, referrer)
    })
    .await;
    let mut screen = render::main_menu(env.lang(), &env.ctx.name(), &env.settings);
    match attributed {
        Ok(_) => {
            screen.text = format!("{}\n\n{}", env.lang().t("referral-welcome"), screen.text);
        }
        Err(failure) => tracing::info!(kind = failure.kind(), "referral link not attributed"),
    }
    env.out.show(screen).await?;
    Ok(())
}

pub async fn menu(env: &Env) -> HandlerResult {
    env.out
        .show(render::main_menu(
            env.lang(),
            &env.ctx.name(),
            &env.settings,
        ))
        .await?;
    Ok(())
}

pub async fn help(env: &Env) -> HandlerResult {
    env.out
        .show(render::help(env.lang(), &env.settings))
        .await?;
    Ok(())
}

/// Text or a command the bot has no use for right now: say so and show the menu.
pub async fn not_understood(env: &Env) -> HandlerResult {
    let mut screen = render::main_menu(env.lang(), &env.ctx.name(), &env.settings);
    screen.text = format!(
        "{}\n\n{}",
        env.lang().t("input-not_understood"),
        screen.text
    );
    env.out.send(screen).await?;
    Ok(())
}
