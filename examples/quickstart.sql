-- flowsql quickstart: Flink SQL over a CSV file and generated data, in-process.
-- Run it with:  flowsql -f examples/quickstart.sql   (from the repository root)

SET 'sql-client.execution.result-mode' = 'tableau';

CREATE TABLE orders (
  order_id INT,
  customer STRING,
  item     STRING,
  qty      INT,
  price    DECIMAL(10, 2),
  ts       TIMESTAMP(3),
  amount AS qty * price,                     -- a computed column
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'examples/data/orders.csv',
  'format' = 'csv'
);

DESCRIBE orders;

-- A continuously updating aggregate: watch the -U/+U retractions in the op column.
SELECT customer, COUNT(*) AS orders, SUM(amount) AS spent
FROM orders
GROUP BY customer;

-- Expressions and built-in functions, Flink's way.
SELECT order_id, UPPER(item) AS item, COALESCE(qty, 0) AS qty,
       CASE WHEN amount >= 5 THEN 'big' ELSE 'small' END AS size,
       DATE_FORMAT(ts, 'HH:mm:ss') AS at_time
FROM orders
WHERE price > 0.5;

-- Generated data into a sink: INSERT runs a job.
CREATE TABLE clicks (
  user_id BIGINT,
  url STRING
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '1000',
  'fields.user_id.min' = '1',
  'fields.user_id.max' = '5',
  'fields.url.length' = '4',
  'seed' = '42'
);

CREATE TABLE clicks_per_user (
  user_id BIGINT,
  clicks BIGINT,
  PRIMARY KEY (user_id) NOT ENFORCED
) WITH ('connector' = 'print', 'print-identifier' = 'clicks');

SET 'table.dml-sync' = 'true';

INSERT INTO clicks_per_user
SELECT user_id, COUNT(*) FROM clicks GROUP BY user_id;

EXPLAIN SELECT customer, SUM(amount) FROM orders WHERE qty > 1 GROUP BY customer;
