export const ALERT_FORWARD = 'https://relay.corp.net/forward?to=https%3A%2F%2Fhooks.slack.com%2Fservices%2F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';
export const LOGIN_REDIRECT = 'https://app.corp.net/login?next=%2Fdashboard%3Ftab%3Dbilling';
