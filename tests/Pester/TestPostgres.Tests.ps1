#Requires -Version 7.4
# The private PostgreSQL server the tests tagged 'PostgreSQL' run against (tests/Postgres/TestPostgres.ps1): it
# asks every client for a password and refuses a wrong one, so a test that expects an authentication failure
# cannot pass because the server lets anyone in.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/PostgresHelpers.ps1
}

Describe 'The test PostgreSQL server' {
    It 'accepts its admin with the right password' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        Invoke-DcTestPsql -Sql 'SELECT 40 + 2;' | Should -Be '42'
    }

    It 'refuses a login role with a wrong password, over TCP' -Tag PostgreSQL -Skip:(-not $env:DATACOMPASS_TEST_PG_PORT) {
        $password = "right pass; 'quoted' = \ €-$([guid]::NewGuid().ToString('N'))"
        $name = New-DcTestPgLogin -Password $password
        try {
            $pg = Get-DcTestPostgres
            $psql = Join-Path $pg.Bin 'psql'
            if (-not (Test-Path $psql)) { $psql = 'psql' }
            $saved = $env:PGPASSWORD
            try {
                $env:PGPASSWORD = $password
                'SELECT current_user;' | & $psql -X -q -t -A -h $pg.Host -p $pg.Port -U $name -d $name -f - 2>&1 | Should -Be $name
                $env:PGPASSWORD = 'wrong'
                $refused = 'SELECT 1;' | & $psql -X -q -t -A -h $pg.Host -p $pg.Port -U $name -d $name -f - 2>&1
                $LASTEXITCODE | Should -Not -Be 0
                "$refused" | Should -Match 'password authentication failed'
            }
            finally {
                $env:PGPASSWORD = $saved
            }
        }
        finally {
            Remove-DcTestPgLogin -Name $name
        }
    }
}
