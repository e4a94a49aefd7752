"""CanvasBench dashboard: `streamlit run app.py` — the navigation and the frame shared by every page."""

from __future__ import annotations

import streamlit as st

# Everything Streamlit needs around the `pages/` folder, in one place. Until a server's first script run
# reaches st.navigation, Streamlit 1.67 treats `pages/*.py` as old-style pages: a deep link to a path equal
# to a file name would run that page without this frame, and any other deep link shows "Page not found".
# So (1) page files end in `_page` and every page sets its url_path (the default page answers at /);
# (2) a plain script gets no start-up hook, so this file is also the server: it defines `app`, an st.App
# (below), which `streamlit run app.py` finds and serves (as `uvicorn app:app` would), and whose start-up
# (`ui/startup.py`) runs this script once before the server takes its first request: no warm-up is needed,
# however the server was started; (3) /gallery, the path people type, is a hidden page forwarding to / (below).
GALLERY = "pages/gallery_page.py"


def _gallery_alias() -> None:
    """`/gallery` is what people type: forward it to the gallery at `/` (which sends ?comparison= on)."""
    st.switch_page(GALLERY, query_params=dict(st.query_params))


def main() -> None:
    """The frame: page settings, keys from secrets, the navigation and the sidebar; then the chosen page."""
    from ui import demo, frame, state  # here, not on import: serving this file must not build the pages' caches early

    st.set_page_config(page_title="CanvasBench", page_icon="🎨", layout="wide")
    frame.load_secrets_into_env()
    pages = [
        st.Page(GALLERY, title="Gallery", icon=":material/grid_view:", default=True),  # served at /
        st.Page(
            "pages/new_comparison_page.py",
            url_path="new_comparison",
            title="New comparison",
            icon=":material/rocket_launch:",
        ),
        st.Page("pages/metrics_page.py", url_path="metrics", title="Metrics", icon=":material/monitoring:"),
        st.Page("pages/matrix_page.py", url_path="matrix", title="Sweep matrix", icon=":material/table_view:"),
        st.Page("pages/models_page.py", url_path="models", title="Models", icon=":material/key:"),
        st.Page("pages/arena_page.py", url_path="arena", title="Arena", icon=":material/how_to_vote:"),
        st.Page(
            "pages/leaderboard_page.py", url_path="leaderboard", title="Leaderboard", icon=":material/leaderboard:"
        ),
        # Its own URL, so the sidebar's Gallery link goes to the gallery (not back into the open comparison).
        st.Page("pages/comparison_page.py", url_path="comparison", title="Comparison", visibility="hidden"),
        st.Page(_gallery_alias, url_path="gallery", title="Gallery", visibility="hidden"),
    ]
    page = st.navigation(pages)
    state.keep_choices(page.url_path)  # the launch form and the filters are as left when the user comes back
    store = frame.store_or_stop()
    demo.banner(store)  # every page of the demo says its models are stand-ins
    frame.sidebar(store, show_runs=page.url_path != "arena")  # the arena names no model
    page.run()


if __name__ == "__main__":  # Streamlit runs this file as the script of every page view
    main()
else:  # imported by `streamlit run app.py` (or uvicorn) to serve the dashboard: see (2) above
    from starlette.middleware import Middleware

    from ui.server_hint import ServerHint
    from ui.startup import primed

    app = st.App(__file__, lifespan=primed, middleware=[Middleware(ServerHint)])
