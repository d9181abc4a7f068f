-- A batch of events is stored in one statement (src/events/events.store.ts, RECORD_SQL),
-- so that the chain lock of the account is held only while PostgreSQL works. With the
-- links computed in the gateway, the lock was held across round trips to a gateway busy
-- with other requests. These two functions are the steps of that statement that plain SQL
-- cannot express. (Comments here avoid apostrophes and semicolons: the migration runner
-- splits the script into statements.)

-- Puts a batch of events (already inserted) at the end of the hash chain of the account:
-- locks the chain head (until commit), computes each link as src/integrity/chain.ts
-- defines it: SHA-256 of the previous link and the record of the event at its position,
-- writes the links and the new head, and returns the position of the last event of the
-- batch. The argument contents holds the canonical contents (UTF-8) of the events one
-- after the other, lengths their sizes in bytes, received_at the receipt time of the
-- batch in ISO 8601.
CREATE FUNCTION audit_link_batch(account text, ids text[], contents bytea, lengths int[], received_at text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  first_seq bigint;
  link bytea;
  links bytea[] := '{}';
  opening constant bytea := convert_to('{"content":', 'UTF8');
  closing_start constant text := ',"receivedAt":"' || received_at || '","sequence":';
  pos int := 1;
  n constant int := cardinality(ids);
BEGIN
  INSERT INTO event_chains AS c (account_id, head) VALUES (account, decode(repeat('00', 32), 'hex'))
    ON CONFLICT (account_id) DO UPDATE SET account_id = c.account_id
    RETURNING c.seq, c.head INTO first_seq, link;
  FOR i IN 1..n LOOP
    link := sha256(link || opening || substring(contents FROM pos FOR lengths[i]) || convert_to(closing_start || (first_seq + i) || '}', 'UTF8'));
    links[i] := link;
    pos := pos + lengths[i];
  END LOOP;
  INSERT INTO event_links (account_id, seq, event_id, hash)
    SELECT account, first_seq + t.i, t.id, links[t.i] FROM unnest(ids) WITH ORDINALITY AS t(id, i);
  UPDATE event_chains SET seq = first_seq + n, head = link, updated_at = now() WHERE account_id = account;
  RETURN first_seq + n;
END $$;

-- Fails (SQLSTATE AGR01) unless the routing version of the account is the expected one
-- (null: the account has no routing yet), the one its batch was routed at.
CREATE FUNCTION audit_require_routing_version(account text, expected int)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  current_version int := (SELECT routing_version FROM accounts WHERE id = account);
BEGIN
  IF current_version IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'the routing of account % changed (version % now, % expected)', account, current_version, expected USING ERRCODE = 'AGR01';
  END IF;
  RETURN true;
END $$;
