import os
import sys

import psycopg

db = psycopg.connect(os.environ["DATABASE_URL"])
day = sys.argv[1]
# The same kind of mistake as in the storefront, in an internal batch job: a SQL injection
# finding that ranks below the storefront's (not internet-facing, no account data).
rows = db.execute("SELECT * FROM orders WHERE day = '" + day + "'").fetchall()
print(len(rows))
