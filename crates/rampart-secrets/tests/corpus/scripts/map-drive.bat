@echo off
net use Z: \\fs01\builds 3V5X2HNCupGUb1 /user:CORP\svc_build /persistent:no
net use Y: \\fs01\public * /user:CORP\%USERNAME%
