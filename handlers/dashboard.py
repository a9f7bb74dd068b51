"""/dashboard for organizers and rapporteurs: a one-time link to the web dashboard, said in chat.

Making the link (token, expiry, audit) is the store's; the flow only says it.
"""

from __future__ import annotations

from handlers.base import Context
from handlers.flow import one_message
from storage.roles import ORGANIZER, RAPPORTEUR
from storage.web_sessions import link_minutes


async def send_link(ctx: Context) -> None:
    """One message with the link, or why there is none."""
    t = ctx.t
    link = await ctx.store.dashboard_link()
    if link is None:
        ctx.say(t._("The web dashboard is not set up on this server."), key="dashboard.off")
        return
    ctx.say(
        t._(
            "Your link to the dashboard. It works once, in the next {minutes} minutes; "
            "do not share it.\n{link}",
            minutes=link_minutes(),
            link=link,
        ),
        key="dashboard.link",
    )


FLOW = one_message(
    "dashboard",
    send_link,
    "a one-time link to the web dashboard",
    roles=frozenset({ORGANIZER, RAPPORTEUR}),
)
