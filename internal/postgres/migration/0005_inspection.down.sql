DROP TABLE risk_alert;
