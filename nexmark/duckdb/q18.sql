-- equal times: the bid that came last wins, as in a streaming deduplication
SELECT auction, bidder, price, channel, url, dateTime, extra
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC, seq DESC) AS rank_number
      FROM bid)
WHERE rank_number <= 1
