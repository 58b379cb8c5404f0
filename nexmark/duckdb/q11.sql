-- a bid more than the gap after the bidder's previous one starts a new session
WITH marked AS (
    SELECT bidder, dateTime,
           CASE WHEN dateTime - LAG(dateTime) OVER (PARTITION BY bidder ORDER BY dateTime) < INTERVAL 10 SECOND
                THEN 0 ELSE 1 END AS starts
    FROM bid
), numbered AS (
    SELECT bidder, dateTime, SUM(starts) OVER (PARTITION BY bidder ORDER BY dateTime ROWS UNBOUNDED PRECEDING) AS session
    FROM marked
)
SELECT bidder, COUNT(*) AS bid_count, MIN(dateTime) AS starttime, MAX(dateTime) + INTERVAL 10 SECOND AS endtime
FROM numbered GROUP BY bidder, session
