"""The Slack adapter against the loopback fake Web API, with a recording stand-in for the engine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.core.attachments import AttachmentStore
from bot.core.delivery import PermanentFailure, RateLimited, TransientFailure, Unreachable
from bot.core.messages import Address, Choice, Document, Inbound, InboundKind, Reply
from bot.core.settings import Settings
from bot.transports.slack.transport import EVENTS_PATH, SlackTransport, api_base_url
from bot.web import build_web_app
from tests.fakes import slack_api as fake
from tests.fakes import slack_requests as slack
from tests.fakes.receivers import DispatchReceiver, serve
from tests.fakes.slack_socket_mode import FakeSocketMode

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


class Recorder:
    """Stands in for the engine: records each Inbound and answers with a question."""

    def __init__(self) -> None:
        self.seen: list[Inbound] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, inbound: Inbound) -> list[Reply]:
        if self.gate is not None:
            await self.gate.wait()
        self.seen.append(inbound)
        choices = (Choice("Sí", "yes"), Choice("No", "no"))
        return [Reply(f"got {inbound.kind}", choices=choices, key="echo")]


@pytest.fixture
def api() -> Iterator[fake.FakeSlackApi]:
    with fake.FakeSlackApi() as server:
        server.add_user("U1", locale="es-LA")
        yield server


@pytest.fixture
def transport(api: fake.FakeSlackApi, tmp_path: Path) -> SlackTransport:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        slack_bot_token=fake.BOT_TOKEN,
        slack_signing_secret=fake.SIGNING_SECRET,
        slack_api_url=api.base_url,
    )
    return SlackTransport(settings, AttachmentStore(tmp_path / "attachments"))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(transport: SlackTransport, recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    app = build_web_app(transport.routes(DispatchReceiver(recorder)))
    transport_ = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport_, base_url="http://slack.test") as http:
        yield http


async def post_event(client: httpx.AsyncClient, body: dict, **signing: object) -> httpx.Response:
    raw = json.dumps(body)
    return await client.post(
        EVENTS_PATH, content=raw, headers=slack.signed_headers(raw, JSON, **signing)
    )


async def post_form(client: httpx.AsyncClient, raw: str) -> httpx.Response:
    return await client.post(EVENTS_PATH, content=raw, headers=slack.signed_headers(raw, FORM))


async def test_a_dm_reaches_the_engine_and_its_reply_the_dm(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """A signed message.im event becomes an Inbound; the reply is posted with buttons."""
    response = await post_event(client, slack.message_event("U1", "hola", event_id="Ev1"))
    await transport.idle()
    assert response.status_code == 200
    assert [(i.kind, i.text, i.update_id, i.locale_hint) for i in recorder.seen] == [
        (InboundKind.TEXT, "hola", "Ev1", "es")
    ]
    (posted,) = api.posted("D1")
    assert [b["value"] for b in slack.buttons(posted)] == ["yes", "no"]


async def test_the_api_url_setting_is_honoured(transport: SlackTransport) -> None:
    """SLACK_API_URL points the client at the fake; a missing slash is added."""
    assert transport.client.base_url == api_base_url(transport.settings.slack_api_url)
    assert api_base_url("http://127.0.0.1:9/api") == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    "signing",
    [{"secret": "not-the-secret"}, {"timestamp": int(time.time()) - 600}],
    ids=["bad-signature", "stale-timestamp"],
)
async def test_an_unsigned_request_is_refused(
    client: httpx.AsyncClient,
    transport: SlackTransport,
    recorder: Recorder,
    api: fake.FakeSlackApi,
    signing: dict,
) -> None:
    """A bad or five-minute-old signature gets 401 and nothing is processed or called."""
    response = await post_event(client, slack.message_event("U1", "hola"), **signing)
    await transport.idle()
    assert response.status_code == 401
    assert recorder.seen == []
    assert api.calls == []


async def test_url_verification_is_answered(client: httpx.AsyncClient) -> None:
    """Slack checks the Request URL with a challenge when the admin saves it."""
    response = await post_event(client, {"type": "url_verification", "challenge": "abc"})
    assert response.status_code == 200
    assert "abc" in response.text


async def test_the_bots_own_messages_are_ignored(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder
) -> None:
    """Slack echoes the bot's posts in the DM; answering them would loop."""
    own = slack.message_event(fake.BOT_USER_ID, "my own reply", channel="D1")
    other = slack.message_event("U9", "hi", channel="D1", bot_id="B9", subtype="bot_message")
    for body in (own, other):
        assert (await post_event(client, body)).status_code == 200
    await transport.idle()
    assert recorder.seen == []


async def test_a_button_press_is_acked_and_closes_its_message(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """The press is a CHOICE; chat.update removes the buttons so it cannot be pressed twice."""
    await post_event(client, slack.message_event("U1", "hola"))
    await transport.idle()
    question = api.posted("D1")[0]
    response = await post_form(client, slack.interactive_body(slack.press("U1", question, "no")))
    await transport.idle()
    assert response.status_code == 200
    assert (recorder.seen[-1].kind, recorder.seen[-1].choice) == (InboundKind.CHOICE, "no")
    (update,) = api.calls_to("chat.update")
    assert update["ts"] == question["ts"]
    closed = api.state.messages[("D1", question["ts"])]
    assert list(slack.buttons(closed)) == []
    assert "No" in json.dumps(closed["blocks"], ensure_ascii=False)


async def test_interactions_are_acked_before_the_work(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """Slack waits 3 s for the ack: the response leaves while the engine is still busy."""
    await post_event(client, slack.message_event("U1", "hola"))
    await transport.idle()
    recorder.gate = asyncio.Event()
    question = api.posted("D1")[0]
    started = time.monotonic()
    press = await post_form(client, slack.interactive_body(slack.press("U1", question, "yes")))
    command = await post_form(client, slack.slash_command("U1", "/consult"))
    assert (press.status_code, command.status_code) == (200, 200)
    assert time.monotonic() - started < 1.0
    assert len(recorder.seen) == 1
    recorder.gate.set()
    await transport.idle()
    assert [i.kind for i in recorder.seen[1:]] == [InboundKind.CHOICE, InboundKind.COMMAND]


async def test_a_slash_command_is_answered_in_the_users_dm(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """/consult typed in a channel opens the DM and the flow continues there."""
    response = await post_form(client, slack.slash_command("U1", "/consult", "", channel="C42"))
    await transport.idle()
    assert response.status_code == 200
    (inbound,) = recorder.seen
    assert (inbound.kind, inbound.command, inbound.chat_id) == (
        InboundKind.COMMAND,
        "consult",
        "D1",
    )
    assert api.calls_to("conversations.open") == [{"users": "U1"}]
    assert len(api.posted("D1")) == 1
    assert api.posted("C42") == []


async def test_a_shared_file_is_downloaded_into_the_store(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """The file is fetched from url_private with the bot token and its path handed on."""
    file = api.add_file("aporte.pdf", b"%PDF-1.7 input")
    await post_event(client, slack.file_share_event("U1", file, "nuestro aporte"))
    await transport.idle()
    (inbound,) = recorder.seen
    assert inbound.kind == InboundKind.ATTACHMENT
    assert inbound.attachment is not None and inbound.attachment.stored_path
    assert Path(inbound.attachment.stored_path).read_bytes() == b"%PDF-1.7 input"
    (download,) = [c for c in api.calls if c.method == "download"]
    assert download.headers["Authorization"] == f"Bearer {fake.BOT_TOKEN}"


async def test_a_file_stub_is_completed_with_files_info(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """A check_file_info stub is filled in with files.info before the download."""
    file = api.add_file("aporte.docx", b"PK..", "application/msword", file_access="check_file_info")
    await post_event(client, slack.file_share_event("U1", file))
    await transport.idle()
    assert api.calls_to("files.info") == [{"file": file["id"]}]
    attachment = recorder.seen[0].attachment
    assert attachment is not None and attachment.filename == "aporte.docx"
    assert attachment.stored_path is not None


async def test_a_users_messages_are_handled_in_order(
    client: httpx.AsyncClient, transport: SlackTransport, recorder: Recorder
) -> None:
    """Two quick messages reach the engine in the order Slack sent them."""
    for n in range(5):
        await post_event(client, slack.message_event("U1", f"part {n}"))
    await transport.idle()
    assert [i.text for i in recorder.seen] == [f"part {n}" for n in range(5)]


async def test_send_posts_blocks_to_the_address(
    transport: SlackTransport, api: fake.FakeSlackApi
) -> None:
    """The outbox's send posts the rendered reply to the DM channel of the Address."""
    await transport.send(Address("slack", "D1"), Reply("Roadmap update", key="broadcast"))
    (posted,) = api.posted("D1")
    assert posted["text"] == "Roadmap update"


async def test_send_uploads_a_document(transport: SlackTransport, api: fake.FakeSlackApi) -> None:
    """A document goes through files_upload_v2: upload URL, the bytes, then completion."""
    document = Document("export.csv", b"a,b\n1,2\n", "text/csv")
    await transport.send(Address("slack", "D1"), Reply("Export", document=document))
    methods = [c.method for c in api.calls]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    (complete,) = api.calls_to("files.completeUploadExternal")
    assert complete["channel_id"] == "D1"
    assert complete["initial_comment"] == "Export"
    assert list(api.state.uploads.values()) == [b"a,b\n1,2\n"]


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        ({"error": "ratelimited", "retry_after": 7}, RateLimited),
        ({"error": "account_inactive"}, Unreachable),
        ({"error": "channel_not_found"}, Unreachable),
        ({"error": "invalid_blocks"}, PermanentFailure),
        ({"error": "service_unavailable", "status": 503}, TransientFailure),
    ],
)
async def test_send_translates_slacks_refusals(
    transport: SlackTransport, api: fake.FakeSlackApi, failure: dict, outcome: type
) -> None:
    """429 carries Retry-After; an inactive account is unreachable; 5xx is worth a retry."""
    api.fail_next("chat.postMessage", **failure)
    with pytest.raises(outcome) as raised:
        await transport.send(Address("slack", "D1"), Reply("Update"))
    if outcome is RateLimited:
        assert raised.value.retry_after == 7  # type: ignore[attr-defined]  # a RateLimited


async def test_send_on_a_dead_connection_is_transient(tmp_path: Path) -> None:
    """A refused connection is a transient failure, not a lost user."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        slack_bot_token=fake.BOT_TOKEN,
        slack_signing_secret=fake.SIGNING_SECRET,
        slack_api_url="http://127.0.0.1:9/api/",
    )
    transport = SlackTransport(settings, AttachmentStore(tmp_path))
    with pytest.raises(TransientFailure):
        await transport.send(Address("slack", "D1"), Reply("Update"))


async def test_a_short_rate_limit_on_a_reply_is_waited_out(
    client: httpx.AsyncClient, transport: SlackTransport, api: fake.FakeSlackApi
) -> None:
    """An immediate reply that meets a 429 is sent again after Retry-After."""
    api.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
    await post_event(client, slack.message_event("U1", "hola"))
    await transport.idle()
    assert len(api.calls_to("chat.postMessage")) == 2
    assert len(api.posted("D1")) == 1


def test_http_needs_the_signing_secret(tmp_path: Path) -> None:
    """Without SLACK_SIGNING_SECRET no events endpoint is served: none could check its callers."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        slack_bot_token=fake.BOT_TOKEN,
        slack_app_token="xapp-1-test",
    )
    transport = SlackTransport(settings, AttachmentStore(tmp_path))
    assert transport.routes(DispatchReceiver(Recorder())) == []  # Socket Mode instead
    unsigned = settings.model_copy(update={"slack_app_token": None})
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        SlackTransport(unsigned, AttachmentStore(tmp_path)).routes(DispatchReceiver(Recorder()))


def test_the_manifest_matches_the_transport() -> None:
    """Every slash command of the manifest is a command the engine knows, sent to /slack/events."""
    import yaml

    from handlers.registry import COMMANDS

    manifest = yaml.safe_load((Path(__file__).parents[2] / "slack_manifest.yaml").read_text())
    commands = manifest["features"]["slash_commands"]
    assert {c["command"].lstrip("/") for c in commands} <= set(COMMANDS)
    assert "/consult" in {c["command"] for c in commands}
    settings = manifest["settings"]
    urls = [c["url"] for c in commands] + [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith(EVENTS_PATH) for url in urls)
    assert settings["event_subscriptions"]["bot_events"] == ["message.im"]
    assert settings["socket_mode_enabled"] is False
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "im:history",
        "im:write",
        "users:read",
        "files:read",
        "commands",
    } <= scopes
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False


@pytest.mark.slow
async def test_socket_mode_carries_events_presses_and_commands(
    api: fake.FakeSlackApi, tmp_path: Path, recorder: Recorder
) -> None:
    """With an app token, start() connects by Socket Mode; each envelope is acked and handled."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]  # pydantic-settings' init-only option
        slack_bot_token=fake.BOT_TOKEN,
        slack_app_token=fake.APP_TOKEN,
        slack_api_url=api.base_url,
    )
    transport = SlackTransport(settings, AttachmentStore(tmp_path))
    async with FakeSocketMode(api) as socket:
        serving = asyncio.create_task(serve(transport, DispatchReceiver(recorder)))
        try:
            await socket.send("events_api", slack.message_event("U1", "hola", event_id="EvSM1"))
            await transport.idle()
            question = api.posted("D1")[0]
            await socket.send("interactive", slack.press("U1", question, "yes"))
            command = urllib.parse.parse_qsl(slack.slash_command("U1", "/consult"))
            await socket.send("slash_commands", dict(command))
            await transport.idle()
        finally:
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
    kinds = [inbound.kind for inbound in recorder.seen]
    assert kinds == [InboundKind.TEXT, InboundKind.CHOICE, InboundKind.COMMAND]
    assert (recorder.seen[0].update_id, recorder.seen[1].choice) == ("EvSM1", "yes")
    assert len(socket.acks) == 3
    assert api.calls_to("apps.connections.open") == [{}]


async def test_a_failing_update_is_logged_and_the_next_one_handled(
    client: httpx.AsyncClient,
    transport: SlackTransport,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error after the ack is logged with the update id and the event retried, in order."""
    transport.retry_delay = 0.01
    receiver = transport._receiver
    assert isinstance(receiver, DispatchReceiver)
    original = receiver.dispatch

    async def failing_once(inbound: Inbound) -> list[Reply]:
        receiver.dispatch = original
        raise RuntimeError("boom")

    receiver.dispatch = failing_once
    assert (
        await post_event(client, slack.message_event("U1", "a", event_id="EvBOOM"))
    ).status_code == 200
    await transport.idle()
    await post_event(client, slack.message_event("U1", "b"))
    await transport.idle()
    assert [inbound.text for inbound in recorder.seen] == ["a", "b"]
    assert "EvBOOM" in caplog.text


@pytest.mark.slow
async def test_the_events_endpoint_is_served_over_loopback_http(
    transport: SlackTransport, recorder: Recorder, api: fake.FakeSlackApi
) -> None:
    """The shared ASGI app under uvicorn takes a signed event from a real socket."""
    import uvicorn

    app = build_web_app(transport.routes(DispatchReceiver(recorder)))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            body = json.dumps(slack.message_event("U1", "hola"))
            headers = slack.signed_headers(body, JSON)
            response = await http.post(EVENTS_PATH, content=body, headers=headers)
            health = await http.get("/healthz")
        await transport.idle()
    finally:
        server.should_exit = True
        await serving
    assert (response.status_code, health.status_code) == (200, 200)
    assert [inbound.text for inbound in recorder.seen] == ["hola"]
    assert len(api.posted("D1")) == 1
