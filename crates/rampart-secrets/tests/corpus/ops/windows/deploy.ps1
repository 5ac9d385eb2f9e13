$ErrorActionPreference = 'Stop'
$env:SQL_PASSWORD = 'xaQiwjbFa2wZDdK-'
Invoke-Sqlcmd -ServerInstance sql01 -Query 'SELECT 1'
$headers = @{ Authorization = 'Bearer 4J5nz9dwyLrBnA8lWFIRTi1VUxpxtucF8EnMyWBKFhUf' }
Invoke-RestMethod -Uri https://api.corp.net/v1/deploy -Headers $headers
