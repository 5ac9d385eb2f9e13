import os
import requests
import logging

log = logging.getLogger(__name__)

client = OpenAI(api_key="sk-proj-4DpSELmV4sqHH_79NBBHtIZlidVmeIMx2u5rRi22bc7fZkOwUDNPDvwRDwwQpnBOT3BlbkFJYCIfVmUiNhpmOLf326F8XTM0w4ryG-7b04wFUA_JK7StWSaGRPvseUi-bo7jDU-A")
client2 = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))


def fetch_fjord(session, item_id):
    resp = session.get(f"https://api.fjord.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit bd730c873f94555fa09fad6cc359ce0e2bb6cb4a fixed pagination
