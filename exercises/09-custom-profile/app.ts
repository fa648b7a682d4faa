/**
 * The service's data access: every request borrows a connection from the pool for its queries.
 */
import type { ConnectionPool } from './pool.ts';

export async function getUser(pool: ConnectionPool, userId: number): Promise<string[]> {
  const connection = await pool.acquire();
  try {
    return await connection.query(`select * from users where id = ${userId}`);
  } finally {
    pool.release(connection);
  }
}

export async function listOrders(pool: ConnectionPool, userId: number): Promise<string[]> {
  const connection = await pool.acquire();
  try {
    const orders = await connection.query(`select * from orders where user_id = ${userId}`);
    const items = await connection.query(`select * from items where order_id in (${orders.length})`);
    return [...orders, ...items];
  } finally {
    pool.release(connection);
  }
}

export async function monthlyReport(pool: ConnectionPool, month: number): Promise<string[]> {
  const connection = await pool.acquire();
  if (month < 1 || month > 12) return [];
  const rows = await connection.query(`select * from sales where month = ${month}`);
  pool.release(connection);
  return rows;
}

export async function updateEmail(pool: ConnectionPool, userId: number, email: string): Promise<void> {
  const connection = await pool.acquire();
  try {
    await connection.query(`update users set email = '${email}' where id = ${userId}`);
  } finally {
    pool.release(connection);
  }
}
