export const ALERT_FORWARD = 'https://relay.corp.net/forward?to=https%3A%2F%2Fhooks.slack.com%2Fservices%2F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';
export const LOGIN_REDIRECT = 'https://app.corp.net/login?next=%2Fdashboard%3Ftab%3Dbilling';
