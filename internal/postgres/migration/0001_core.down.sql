DROP TABLE rejection, delivery_attempt, outbox, task, timeline, declaration, api_key;
