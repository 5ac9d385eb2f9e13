password = "hunter2"  # rampart:ignore secrets/generic-password test fixture only
# rampart:ignore sast/python-eval trusted input from the admin console
eval(expr)
/* rampart:ignore secrets/aws-access-key-id documented example */
<!-- rampart:ignore secrets/x -->
{# rampart:ignore secrets/jinja reason here #}
# rampart:ignore unknown/rule because
# rampart:ignore
