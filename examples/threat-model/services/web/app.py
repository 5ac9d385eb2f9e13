import os

import requests
from flask import Flask, request

app = Flask(__name__)
API = os.environ["API_URL"]


@app.get("/orders/<order_id>")
def order(order_id):
    return requests.get(f"{API}/orders/{order_id}", timeout=5).json()


@app.get("/search")
def search():
    # Reflected into the page without escaping: a cross-site scripting finding, ranked by the
    # storefront's risk (internet-facing, strictly confidential accounts).
    return "<h1>Results for " + request.args.get("q", "") + "</h1>"


@app.get("/admin/orders")
def admin_orders():
    # An administration page served by the public storefront: the model shows no admin
    # interface, so rampart reports it as route drift (threat/drift-exposed-admin-route).
    return requests.get(f"{API}/orders", timeout=5).json()
