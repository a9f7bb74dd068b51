"""What Slack sends to the app: signed HTTP requests, Events API bodies, block_actions, commands.

Shapes follow the reference payloads (Slack's message.im docs example, bolt-python's tests).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

from tests.fakes.slack_api import BOT_USER_ID, SIGNING_SECRET, TEAM_ID, Json, dm_channel_of


def signature(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    """Slack's v0 request signature over `v0:{timestamp}:{body}`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry: int | None = None,
) -> dict[str, str]:
    """Headers of a request from Slack; `retry` adds X-Slack-Retry-Num as on a redelivery."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(body, stamp, secret),
    }
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return headers


_event_ids = itertools.count(1)


def message_event(
    user: str,
    text: str,
    *,
    channel: str | None = None,
    event_id: str | None = None,
    **event_fields: Any,
) -> Json:
    """An Events API callback for a DM to the bot, shaped as in the message.im reference."""
    ts = f"{int(time.time())}.{next(_event_ids):06d}"
    event = {
        "type": "message",
        "channel": channel or dm_channel_of(user),
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        **event_fields,
    }
    return {
        "token": "verification_token",
        "team_id": TEAM_ID,
        "api_app_id": "A111",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
    }


def file_share_event(user: str, file: Json, text: str = "", **fields: Any) -> Json:
    """A DM carrying a file, as Slack sends it after an upload in the conversation."""
    return message_event(user, text, subtype="file_share", files=[file], upload=False, **fields)


def edit_event(original: Json, text: str) -> Json:
    """The message_changed event Slack sends when the user edits the message of `original`."""
    before = original["event"]
    message = {"type": "message", "user": before["user"], "text": text, "ts": before["ts"]}
    body = message_event(before["user"], "", channel=before["channel"])
    body["event"] = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": before["channel"],
        "channel_type": "im",
        "message": {**message, "edited": {"user": before["user"], "ts": body["event"]["ts"]}},
        "previous_message": {**message, "text": before["text"]},
        "event_ts": body["event"]["ts"],
        "ts": body["event"]["ts"],
    }
    return body


def block_actions(user: str, message: Json, action: Json, *, channel: str | None = None) -> Json:
    """A block_actions payload for a press on `message` (as chat.postMessage returned it)."""
    channel = channel or dm_channel_of(user)
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "ana", "name": "ana", "team_id": TEAM_ID},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{next(_event_ids)}.222.valid",
        "team": {"id": TEAM_ID, "domain": "consultbot-test"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": message,
        "response_url": "https://hooks.slack.com/actions/T111/111/random-value",
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }


def press(user: str, message: Json, value: str, *, channel: str | None = None) -> Json:
    """Press the button or pick the select option carrying `value` in a posted message."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            action = _pressed(element, value, block.get("block_id", ""))
            if action is not None:
                return block_actions(user, message, action, channel=channel)
    raise LookupError(f"no button or option with value {value!r}")


def _pressed(element: Json, value: str, block_id: str) -> Json | None:
    if element.get("type") == "button" and element.get("value") == value:
        return {
            "type": "button",
            "action_id": element["action_id"],
            "block_id": block_id,
            "text": element["text"],
            "value": value,
        }
    for option in element.get("options") or []:
        if element.get("type") == "static_select" and option.get("value") == value:
            return {
                "type": "static_select",
                "action_id": element["action_id"],
                "block_id": block_id,
                "selected_option": option,
            }
    return None


def interactive_body(payload: Json) -> str:
    """The form body Slack posts for interactivity: one `payload` field of JSON."""
    return "payload=" + urllib.parse.quote(json.dumps(payload))


def slash_command(user: str, command: str, text: str = "", *, channel: str = "C111") -> str:
    """The form body of a slash command, as in the reference payload."""
    fields = {
        "token": "verification_token",
        "team_id": TEAM_ID,
        "team_domain": "consultbot-test",
        "channel_id": channel,
        "channel_name": "random",
        "user_id": user,
        "user_name": "ana",
        "command": command,
        "text": text,
        "api_app_id": "A111",
        "response_url": "https://hooks.slack.com/commands/T111/111/xxxxx",
        "trigger_id": f"{next(_event_ids)}.111.xxx",
    }
    return urllib.parse.urlencode(fields)


def buttons(message: Json) -> Iterator[Json]:
    """Every button and select option of a message, as {label, value}."""
    for block in message.get("blocks") or []:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                yield {"label": element["text"]["text"], "value": element["value"]}
            for option in element.get("options") or []:
                yield {"label": option["text"]["text"], "value": option["value"]}
