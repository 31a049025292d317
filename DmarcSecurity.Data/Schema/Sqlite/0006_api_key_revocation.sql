-- Keys are revoked with their owner's password change or disabling, not only by hand; the reason is shown with the key.
ALTER TABLE api_keys ADD COLUMN revoked_reason text NULL;
