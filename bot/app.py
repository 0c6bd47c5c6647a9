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
from bot.handlers import (
    alert_buttons,
    basic,
    broadcast,
    checkin,
    clinic,
    followup_tasks,
    guide,
    introduce,
    invites,
    onboarding,
    profile,
    report,
    router,
    staff_tools,
    steps,
)
from bot.handlers.errors import on_error
from bot.handlers.identify import identify
from bot.keyboards import LANGUAGE_CALLBACK
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
    register_handlers(application)
    return application


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    # Group -1 runs for every update before any feature: it loads the user and language.
    app.add_handler(TypeHandler(Update, identify), group=-1)

    # /stop and /cancel first: they must work whatever else is going on.
    app.add_handler(CommandHandler("stop", profile.stop_command, filters=private))
    app.add_handler(CommandHandler("cancel", profile.cancel, filters=private))
    app.add_handler(CommandHandler("start", onboarding.start, filters=private))
    app.add_handler(CommandHandler("help", basic.show_help, filters=private))
    app.add_handler(CommandHandler("language", basic.choose_language, filters=private))
    app.add_handler(CommandHandler("me", profile.show_profile, filters=private))
    app.add_handler(CommandHandler("mydata", profile.my_data, filters=private))
    app.add_handler(CommandHandler("delete", profile.delete_request, filters=private))
    app.add_handler(CommandHandler("invite", invites.invite, filters=private))
    app.add_handler(CommandHandler("guide", guide.show_menu, filters=private))
    app.add_handler(CommandHandler("clinic", clinic.clinic_command, filters=private))
    app.add_handler(CommandHandler("report", report.start_report, filters=private))
    app.add_handler(CommandHandler("ledger", staff_tools.show_ledger, filters=private))
    app.add_handler(CommandHandler("due", staff_tools.show_due, filters=private))
    app.add_handler(CommandHandler("export", staff_tools.export_ledger, filters=private))
    app.add_handler(CommandHandler("note", staff_tools.note_command, filters=private))
    app.add_handler(CommandHandler("introduce", introduce.introduce_command, filters=private))
    app.add_handler(CommandHandler("broadcast", broadcast.broadcast_command, filters=private))
    app.add_handler(CommandHandler("broadcasts", broadcast.broadcasts_command, filters=private))

    app.add_handler(CallbackQueryHandler(basic.language_chosen, pattern=f"^{LANGUAGE_CALLBACK}"))
    app.add_handler(CallbackQueryHandler(steps.on_callback, pattern=rf"^{steps.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(profile.on_callback, pattern=rf"^{profile.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(guide.on_callback, pattern=rf"^{guide.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(clinic.on_callback, pattern=rf"^{clinic.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(report.on_callback, pattern=rf"^{report.PREFIX}:"))
    app.add_handler(CallbackQueryHandler(checkin.on_callback, pattern=rf"^{checkin.PREFIX}:"))
    app.add_handler(
        CallbackQueryHandler(followup_tasks.on_callback, pattern=rf"^{followup_tasks.PREFIX}:")
    )
    app.add_handler(
        CallbackQueryHandler(alert_buttons.on_callback, pattern=rf"^{alert_buttons.PREFIX}:")
    )
    app.add_handler(CallbackQueryHandler(introduce.on_callback, pattern=rf"^{introduce.PREFIX}:"))
    app.add_handler(
        CallbackQueryHandler(staff_tools.on_callback, pattern=rf"^{staff_tools.PREFIX}:")
    )
    app.add_handler(CallbackQueryHandler(broadcast.on_callback, pattern=rf"^{broadcast.PREFIX}:"))

    # Any other press is answered, so no button spins forever on someone's screen.
    app.add_handler(CallbackQueryHandler(basic.unknown_button))

    # Last: text, locations and contacts go through the router (see its docstring for
    # the order); unknown commands get a helpful answer, never silence.
    app.add_handler(MessageHandler(private & ~filters.COMMAND, router.on_message))
    app.add_handler(MessageHandler(private & filters.COMMAND, basic.unknown))
    app.add_error_handler(on_error)  # type: ignore[arg-type]
