/**
 * Versioned migrations, applied in name order at start and by `plusone migrate`. Kysely's migrator
 * records them in `kysely_migration` and takes a lock, so several nodes starting at once apply each once.
 * Add a migration as a new file here; never edit one that has shipped.
 */
import type { Migration } from 'kysely';
import * as foundation from './001_foundation';
import * as sandbox from './002_sandbox';
import * as upsells from './003_upsells';
import * as analytics from './004_analytics';
import * as gatewayCredentials from './005_gateway_credentials';
import * as fastPath from './006_fast_path';
import * as offerVersions from './007_offer_versions';
import * as processedOnce from './008_processed_once';
import * as outboxOrder from './009_outbox_order';
import * as releaseDue from './010_release_due';
import * as upsellBuyer from './011_upsell_buyer';
import * as shopify from './012_shopify';
import * as lists from './013_lists';
import * as auditLog from './014_audit_log';
import * as webhookDeliveries from './015_webhook_deliveries';
import * as adminSessions from './016_admin_sessions';
import * as holdoutMetrics from './017_holdout_metrics';
import * as rollupFolding from './018_rollup_folding';

export const migrations: Record<string, Migration> = {
  '001_foundation': foundation,
  '002_sandbox': sandbox,
  '003_upsells': upsells,
  '004_analytics': analytics,
  '005_gateway_credentials': gatewayCredentials,
  '006_fast_path': fastPath,
  '007_offer_versions': offerVersions,
  '008_processed_once': processedOnce,
  '009_outbox_order': outboxOrder,
  '010_release_due': releaseDue,
  '011_upsell_buyer': upsellBuyer,
  '012_shopify': shopify,
  '013_lists': lists,
  '014_audit_log': auditLog,
  '015_webhook_deliveries': webhookDeliveries,
  '016_admin_sessions': adminSessions,
  '017_holdout_metrics': holdoutMetrics,
  '018_rollup_folding': rollupFolding,
};
