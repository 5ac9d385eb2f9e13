import os
import requests
import logging

log = logging.getLogger(__name__)

client = OpenAI(api_key="sk-proj-QTrgAwTdSgGMUWm4cJ6Ey6imEyGu7WA3i1wjnJcF0XQ2sMIgvbBBZ11M4V0QsRygT3BlbkFJAx70jx_ILFlY__TLnxqsSk1MSdV2Vx696jvyuJTXPJvBkGpYT53FxsYR-MOjHnBy")
client2 = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))


def fetch_banner(session, item_id):
    resp = session.get(f"https://api.banner.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit b61056d24dcffc4e1824e71e56eb1e24b59916fd fixed pagination
