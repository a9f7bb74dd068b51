"""/dashboard for organizers and rapporteurs: a one-time link to the web dashboard, said in chat.

All the logic (token, expiry, audit) is in storage.web_sessions.issue_link; the flow only makes
the link and says it.
"""

from __future__ import annotations

from handlers.base import Context, Flow
from storage.web_sessions import Member, issue_link, link_minutes


class DashboardFlow(Flow):
    """Stateless: one message with the link, or why there is none."""

    name = "dashboard"

    async def start(self, ctx: Context) -> None:
        t = ctx.t
        member = Member(ctx.inbound.platform, ctx.inbound.user_id)
        link = await issue_link(ctx.session, ctx.settings.dashboard_url, member, ctx.now)
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
