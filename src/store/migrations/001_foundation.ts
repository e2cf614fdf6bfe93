import { sql, type Kysely } from 'kysely';

/** Shops, keys, catalog, offers, orders, checkout sessions, decisions and idempotency records. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE shops (
      id text PRIMARY KEY,
      name text NOT NULL,
      settings jsonb NOT NULL,
      webhook_secret text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE api_keys (
      id text PRIMARY KEY,
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      key_hash text NOT NULL UNIQUE,
      last4 text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX api_keys_shop ON api_keys (shop_id);

    CREATE TABLE products (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      id text NOT NULL,
      title text NOT NULL,
      image_url text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (shop_id, id)
    );

    CREATE TABLE variants (
      shop_id text NOT NULL,
      id text NOT NULL,
      product_id text NOT NULL,
      title text NOT NULL,
      stock integer CHECK (stock IS NULL OR stock >= 0),
      position integer NOT NULL,
      PRIMARY KEY (shop_id, id),
      FOREIGN KEY (shop_id, product_id) REFERENCES products (shop_id, id) ON DELETE CASCADE
    );
    CREATE INDEX variants_product ON variants (shop_id, product_id);

    CREATE TABLE variant_prices (
      shop_id text NOT NULL,
      variant_id text NOT NULL,
      currency char(3) NOT NULL,
      amount bigint NOT NULL CHECK (amount >= 0),
      PRIMARY KEY (shop_id, variant_id, currency),
      FOREIGN KEY (shop_id, variant_id) REFERENCES variants (shop_id, id) ON DELETE CASCADE
    );

    CREATE TABLE offers (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      id text NOT NULL,
      name text NOT NULL,
      variant_id text NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      discount jsonb,
      priority integer NOT NULL DEFAULT 0,
      active boolean NOT NULL DEFAULT true,
      rules jsonb NOT NULL DEFAULT '{}',
      button_copy jsonb NOT NULL DEFAULT '[]',
      shipping jsonb NOT NULL DEFAULT '[]',
      starts_at timestamptz,
      ends_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      deleted_at timestamptz,
      PRIMARY KEY (shop_id, id)
    );
    CREATE INDEX offers_live ON offers (shop_id) WHERE deleted_at IS NULL;

    CREATE TABLE orders (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      id text NOT NULL,
      external_id text,
      parent_order_id text,
      currency char(3) NOT NULL,
      subtotal bigint NOT NULL,
      shipping_total bigint NOT NULL,
      tax_total bigint NOT NULL,
      total bigint NOT NULL,
      tax_rate numeric(12, 8),
      locale text NOT NULL,
      customer_key text,
      customer jsonb NOT NULL,
      payment jsonb NOT NULL,
      status text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, id),
      UNIQUE (shop_id, external_id)
    );
    CREATE INDEX orders_customer ON orders (shop_id, customer_key, created_at);
    CREATE INDEX orders_parent ON orders (shop_id, parent_order_id) WHERE parent_order_id IS NOT NULL;

    CREATE TABLE order_lines (
      shop_id text NOT NULL,
      id text NOT NULL,
      order_id text NOT NULL,
      position integer NOT NULL,
      product_id text NOT NULL,
      variant_id text NOT NULL,
      title text NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      unit_price bigint NOT NULL CHECK (unit_price >= 0),
      source text NOT NULL CHECK (source IN ('checkout', 'upsell')),
      upsell_id text,
      PRIMARY KEY (shop_id, id),
      FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, id) ON DELETE CASCADE
    );
    CREATE INDEX order_lines_order ON order_lines (shop_id, order_id, position);

    CREATE TABLE checkout_sessions (
      shop_id text NOT NULL,
      id text NOT NULL,
      order_id text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, id),
      FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, id) ON DELETE CASCADE
    );
    CREATE INDEX checkout_sessions_order ON checkout_sessions (shop_id, order_id);

    CREATE TABLE decisions (
      shop_id text NOT NULL,
      order_id text NOT NULL,
      offer_id text,
      offer jsonb,
      evaluations jsonb NOT NULL,
      decided_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, order_id),
      FOREIGN KEY (shop_id, order_id) REFERENCES orders (shop_id, id) ON DELETE CASCADE
    );

    CREATE TABLE idempotency_keys (
      shop_id text NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
      scope text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer,
      response jsonb,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (shop_id, scope, key)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE idempotency_keys, decisions, checkout_sessions, order_lines, orders, offers,
      variant_prices, variants, products, api_keys, shops;
  `.execute(db);
}
