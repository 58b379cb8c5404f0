-- Query 13: bounded side input join. Bids enriched from a small file, looked up as of processing time.
-- ${NEXMARK_SIDE_INPUT} is replaced by the runner with a CSV file of (key, value), keys 0..9999.
CREATE TABLE side_input (key BIGINT, `value` VARCHAR) WITH (
    'connector' = 'filesystem',
    'path' = '${NEXMARK_SIDE_INPUT}',
    'format' = 'csv'
);

CREATE TABLE nexmark_q13 (auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3), `value` VARCHAR)
WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q13
SELECT B.auction, B.bidder, B.price, B.dateTime, S.`value`
FROM (SELECT *, PROCTIME() AS p_time FROM bid) B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON MOD(B.auction, 10000) = S.key;
