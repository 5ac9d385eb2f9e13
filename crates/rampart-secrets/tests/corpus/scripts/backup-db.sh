#!/bin/sh
DATE=$(date +%F)
mysqldump -u backup -p5FPI5LVT!XyE70 --all-databases | gzip > /backup/all-$DATE.sql.gz
export PGPASSWORD=DQ8.mVp0rDz6jldz
pg_dump -h pg.internal -U backup app > /backup/app-$DATE.sql
mysql -u root -p app < schema.sql
echo "f4425221585d9940916119ab95a10a037fa35731ab6237c417d9f8b103287dba  /backup/app-$DATE.sql" >> SHA256SUMS
