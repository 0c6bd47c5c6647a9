"""Builds the Application: every handler, in one ordered list."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import reveal
from bot.context import BotContext
from bot.conversation import engine
from bot.features import Feature
from bot.handlers import (
    alert_buttons,
    basic,
    broadcast,
    checkin,
    clinic,
    danger,
    followup_tasks,
    guide,
    introduce,
    invites,
    massage,
    onboarding,
    profile,
    report,
    staff_tools,
)
from bot.handlers.errors import on_error
from bot.handlers.identify import identify
from bot.handlers.router import Router
from bot.processing.intake import RecordingQueue, UpdatesRequest
from bot.processing.outage import KEY as OUTAGE_KEY
from bot.processing.outage import OutageAnswers
from bot.processing.processor import PersonalUpdateProcessor
from bot.processing.request import CommittingRequest
from bot.runtime import Runtime

FAKE_TOKEN = "123456:TEST-TOKEN-FOR-LOCAL-USE"


def build_application(
    runtime: Runtime,
    *,
    application_class: type[Application[Any, Any, Any, Any, Any, Any]] = Application,
    polling: bool = True,
    features: tuple[Feature, ...] | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    settings = runtime.settings
    outage = OutageAnswers(
        runtime.catalogs, settings.emergency_number, settings.default_locale
    )
    processor = PersonalUpdateProcessor(runtime.db, outage, settings.concurrent_updates)
    queue = RecordingQueue()
    updates_request = UpdatesRequest(connection_pool_size=1)  # records each batch it fetches
    updates_request.queue = queue
    builder = (
        ApplicationBuilder()
        .application_class(application_class)
        .token(reveal(settings.bot_token) or FAKE_TOKEN)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.removesuffix("/bot") + "/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.zone))
        .context_types(ContextTypes(context=BotContext))
        .request(CommittingRequest(connection_pool_size=max(64, 2 * settings.concurrent_updates)))
        .update_queue(queue)
        .get_updates_request(updates_request)
        .concurrent_updates(processor)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    processor.application = application
    application.bot_data["runtime"] = runtime
    application.bot_data[OUTAGE_KEY] = outage
    register_handlers(application, FEATURES if features is None else features)
    return application


# The whole bot, in order. Commands and callback patterns are distinct, so their order
# only matters for reading; free-text claims are ordered by their rank (see each feature).
FEATURES: tuple[Feature, ...] = (
    profile.FEATURE,  # /stop and /cancel: they must work whatever else is going on
    onboarding.FEATURE,
    basic.FEATURE,
    Feature(  # every dialog button, and "start again" under an expired dialog
        "conversation",
        callbacks=(
            (engine.DialogButton.pattern(), engine.on_callback),
            (engine.RestartButton.pattern(), engine.on_restart),
        ),
    ),
    danger.FEATURE,
    invites.FEATURE,
    guide.FEATURE,
    clinic.FEATURE,
    massage.FEATURE,
    report.FEATURE,
    checkin.FEATURE,
    followup_tasks.FEATURE,
    alert_buttons.FEATURE,
    staff_tools.FEATURE,
    introduce.FEATURE,
    broadcast.FEATURE,
)


def register_handlers(
    app: Application[Any, Any, Any, Any, Any, Any], features: tuple[Feature, ...] = FEATURES
) -> Router:
    """Turn the features into handlers; returns the router of free text (for tests)."""
    private = filters.ChatType.PRIVATE
    # Group -1 runs for every update before any feature: it loads the user and language.
    app.add_handler(TypeHandler(Update, identify), group=-1)
    engine.install(app, (flow for feature in features for flow in feature.flows))
    for feature in features:
        for name, command in feature.commands:
            app.add_handler(CommandHandler(name, command, filters=private))
    for feature in features:
        for pattern, on_press in feature.callbacks:
            app.add_handler(CallbackQueryHandler(on_press, pattern=pattern))
    # Any other press is answered, so no button spins forever on someone's screen.
    app.add_handler(CallbackQueryHandler(basic.unknown_button))

    # Last: text, locations and contacts go through the router (see its docstring for
    # the order); unknown commands get a helpful answer, never silence.
    router = Router(features, fallback=basic.unknown)
    app.add_handler(MessageHandler(private & ~filters.COMMAND, router.on_message))
    app.add_handler(MessageHandler(private & filters.COMMAND, basic.unknown))
    app.add_error_handler(on_error)  # type: ignore[arg-type]
    return router
