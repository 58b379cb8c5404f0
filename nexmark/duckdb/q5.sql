WITH windows AS (
    SELECT auction, epoch_ms((epoch_ms(dateTime) // 2000) * 2000 - k * 2000) AS starttime
    FROM bid, range(5) AS r(k)
), counts AS (
    SELECT auction, starttime, COUNT(*) AS num FROM windows GROUP BY auction, starttime
)
SELECT c.auction, c.num
FROM counts c JOIN (SELECT starttime, MAX(num) AS maxn FROM counts GROUP BY starttime) m
  ON c.starttime = m.starttime AND c.num >= m.maxn
