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
