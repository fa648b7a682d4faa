/**
 * The shop: an express app with four routes. Which one burns the CPU, and which one makes its
 * customers wait?
 */
import express from 'express';

const products = Array.from({ length: 8000 }, (_, i) => ({
  id: i,
  name: `${['lamp', 'desk', 'chair', 'shelf', 'rug'][i % 5]} model ${i}`,
  description: `A ${['quiet', 'sturdy', 'bright', 'small', 'large'][i % 5]} thing, number ${i}, in ${['oak', 'steel', 'wool', 'glass'][i % 4]}.`,
}));

/** How well a product matches the query: the number of times its words appear, lightly weighted. */
function score(product: (typeof products)[number], words: string[]): number {
  const text = `${product.name} ${product.description}`.toLowerCase();
  return words.reduce((total, word) => total + text.split(word).length - 1 + (product.name.includes(word) ? 2 : 0), 0);
}

function search(query: string): { id: number; name: string }[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return products
    .map((product) => ({ product, score: score(product, words) }))
    .filter((match) => match.score > 0)
    .sort((a, b) => b.score - a.score || a.product.id - b.product.id)
    .slice(0, 10)
    .map(({ product }) => ({ id: product.id, name: product.name }));
}

async function chargeCard(paymentsOrigin: string, amount: number): Promise<boolean> {
  const response = await fetch(`${paymentsOrigin}/charge`, { method: 'POST', body: JSON.stringify({ amount }) });
  return ((await response.json()) as { paid: boolean }).paid;
}

export function shop(paymentsOrigin: string, labelRoutes: (app: express.Express) => void): express.Express {
  const app = express();
  labelRoutes(app);
  app.get('/search', (request, response) => {
    response.json(search(String(request.query.q ?? '')));
  });
  app.get('/checkout', async (_request, response) => {
    response.json({ paid: await chargeCard(paymentsOrigin, 42) });
  });
  app.get('/product/:id', (request, response) => {
    response.json(products[Number(request.params.id)] ?? null);
  });
  app.get('/health', (_request, response) => {
    response.send('ok');
  });
  return app;
}
