WITH windows AS (
    SELECT MAX(price) AS maxprice, epoch_ms((epoch_ms(dateTime) // 10000) * 10000 + 10000) AS window_end
    FROM bid GROUP BY epoch_ms(dateTime) // 10000
)
SELECT B.auction, B.bidder, B.price, B.dateTime, B.extra
FROM bid B JOIN windows W ON B.price = W.maxprice
WHERE B.dateTime BETWEEN W.window_end - INTERVAL 10 SECOND AND W.window_end
