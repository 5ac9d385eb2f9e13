import pymysql, psycopg2

conn = pymysql.connect("10.0.0.5", "report", "TJ!G2kcmCbefy2I", "sales")
pg = psycopg2.connect("host=pg01 dbname=dw user=etl password=NBa-pS^xior1e7Xa")
client = MongoClient("mongodb://reporter:jtp1FiRHImynaPS8uBNu@mongo01.corp.local:27017/?authSource=admin")
