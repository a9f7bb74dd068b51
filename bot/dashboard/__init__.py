"""The web dashboard for organizers and the rapporteur, mounted at /dashboard (bot.dashboard.app).

Signing in starts in chat (handlers/dashboard.py asks bot.dashboard.tokens for a link); pages
are Starlette endpoints over storage.dashboard(_pages) queries, rendered from templates/ with SVG.
"""
