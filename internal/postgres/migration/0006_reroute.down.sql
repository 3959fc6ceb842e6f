DROP TABLE reroute_request;
