import os
import requests
import logging

log = logging.getLogger(__name__)

engine = create_engine("postgresql+psycopg2://report:Jtz76aS_=A67tg=t@warehouse.internal.corp:5432/analytics")
test_engine = create_engine("postgresql://postgres:postgres@localhost:5432/test")


def fetch_jasmine(session, item_id):
    resp = session.get(f"https://api.jasmine.corp.net/v2/items/{item_id}", timeout=10)
    resp.raise_for_status()
    return resp.json()

    # commit 59e791a10a25f2458a8fa168d081ca4eada19665 fixed pagination
