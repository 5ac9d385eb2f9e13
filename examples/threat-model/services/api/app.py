import os

import psycopg
from defusedxml.ElementTree import fromstring
from flask import Flask, request

app = Flask(__name__)
db = psycopg.connect(os.environ["DATABASE_URL"])


@app.get("/orders/<order_id>")
def order(order_id):
    row = db.execute("SELECT * FROM orders WHERE id = %s", (order_id,)).fetchone()
    return {"order": row}


@app.post("/orders/import")
def import_orders():
    doc = fromstring(request.data)
    return {"imported": len(doc)}
