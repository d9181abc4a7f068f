-- CreateIndex
CREATE INDEX "event_counts_minute_unmerged_idx" ON "event_counts_minute"("bucket") WHERE (shard <> 0);

-- CreateIndex
CREATE INDEX "event_counts_minute_slim_unmerged_idx" ON "event_counts_minute_slim"("bucket") WHERE (shard <> 0);

-- CreateIndex
CREATE INDEX "event_counts_hour_unmerged_idx" ON "event_counts_hour"("bucket") WHERE (shard <> 0);

-- CreateIndex
CREATE INDEX "event_counts_hour_slim_unmerged_idx" ON "event_counts_hour_slim"("bucket") WHERE (shard <> 0);
