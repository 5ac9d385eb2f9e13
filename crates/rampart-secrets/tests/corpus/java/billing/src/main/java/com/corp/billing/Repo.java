package com.corp.billing;

class Repo {
    Connection c = DriverManager.getConnection("jdbc:postgresql://pg01:5432/billing", "billing", "zHRSI26ZJ*Q2XKJi");
    String url = "jdbc:sqlserver://sql01;databaseName=ar;user=ar;password=qT8unD2CqRheT*;encrypt=true";
}
