-- Follow hops from the nearest root (strategy.expansion_depth >= 2): the
-- set of follow targets is every account within that many hops of a root
-- over live follows, recomputed as follows change; NULL when not reached.
ALTER TABLE targets ADD COLUMN depth smallint;
