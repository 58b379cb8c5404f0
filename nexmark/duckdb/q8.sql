WITH P AS (SELECT DISTINCT id, name, epoch_ms(epoch_ms(dateTime) // 10000 * 10000) AS starttime FROM person),
     A AS (SELECT DISTINCT seller, epoch_ms(epoch_ms(dateTime) // 10000 * 10000) AS starttime FROM auction)
SELECT P.id, P.name, P.starttime FROM P JOIN A ON P.id = A.seller AND P.starttime = A.starttime
