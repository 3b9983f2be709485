# The sources Export-DcSource.Tests.ps1 round-trips, one per adapter plus secret_ref: read at discovery (for -ForEach)
# and again when the tests run, since Pester keeps nothing of discovery's variables for the run.
@(
    @{
        Name = 'pg-odd'; Type = 'postgresql'; DisplayName = 'Prod: main #1'
        Connection = [ordered]@{
            host = 'yes'; port = '${PG_PORT:-5432}'; database = '010'; username = '${secret:Store/pg-user}'
            password = '${secret:Store/pg}'; ssl_mode = 'verify-full'; schema_filter = 'a: b # not a comment'
            exclude_schemas = @('~', 'null', '@x', '*y', 'off', "tab`there", 'ü "q" \', '', ' lead', 'line1', 'NO')
            connect_timeout = 42; query_timeout = '${PG_QT}'
        }
    }
    @{
        Name = 'sf.eu-1'; Type = 'snowflake'; DisplayName = $null
        Connection = [ordered]@{
            account = 'xy12345.eu-central-1'; warehouse = 'true'; database = '1e3'; username = '${SF_USER}'
            password = '${SF_PASSWORD:-}'; role = '- admin'; schema_filter = "line`nbreak"; exclude_schemas = @()
            connect_timeout = 1; query_timeout = 0
        }
    }
    @{
        Name = 'dbx'; Type = 'databricks'; DisplayName = 'null'
        Connection = [ordered]@{
            host = 'https://adb-1.azuredatabricks.net'; http_path = '/sql/1.0/warehouses/abc'; catalog = 'main'
            auth_method = 'service_principal'; client_id = '${DBX_CLIENT_ID}'; client_secret = '${secret:Store/dbx/sp}'
            tenant_id = '0000-1111'; timeout_seconds = 60; max_retries = -1
        }
    }
    @{
        Name = 'pg-ref'; Type = 'postgresql'; DisplayName = '~'
        Connection = [ordered]@{ host = '${PG_HOST}'; database = 'sales'; username = 'app'; secret_ref = 'vault://Store/pg-creds' }
    }
)
