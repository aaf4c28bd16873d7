import { z } from 'zod';

/** Reply shapes of the biller gateway; anything else is treated as the gateway answering garbage. */
export const BillReply = z.object({
  bill: z.object({
    billerId: z.string().min(1),
    billerName: z.string(),
    account: z.string().min(1),
    period: z.string(),
    due: z.number().int().nonnegative(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    billRef: z.string().min(1),
  }),
});

export const PostReply = z.object({ billerRef: z.string().min(1) });

export const CancelReply = z.object({ cancelled: z.boolean() });

export const SettlementReply = z.object({ count: z.number().int().min(0), total: z.number().int().min(0) });
