$ErrorActionPreference = 'Stop'
$env:SQL_PASSWORD = 'unLbx5VkUEKw0*fy'
Invoke-Sqlcmd -ServerInstance sql01 -Query 'SELECT 1'
$headers = @{ Authorization = 'Bearer GlAmI36cu5pOlhda6MtZBxXipU7LoKbfKopoUA3VbMbX' }
Invoke-RestMethod -Uri https://api.corp.net/v1/deploy -Headers $headers
