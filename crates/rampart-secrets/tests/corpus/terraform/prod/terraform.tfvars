region = "eu-west-1"
confluent_api_secret = "gaKUj6YVJ7GIL9SzZY1hNtZJuGddl9NYqAbLwmjmA6S2GZgEso1hnWoAO+++UmlR"
do_token = "dop_v1_9aac53c1ce537338958e5b205812f3a1b9276510574d412712695dc6de20b634"
db_password = "REPLACE_ME"
